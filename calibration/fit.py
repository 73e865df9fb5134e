"""Fitting of scenario parameters from a cleaned ticket log.

Pure functions on the ``data`` frame of :class:`calibration.clean.CleanResult`; each
returns a small frozen dataclass. :func:`fit_all` runs them all and returns a
:class:`CalibrationFit` whose :meth:`CalibrationFit.to_scenario_dict` gives nested dicts
in the scenario YAML schema. Units: times of day ``"HH:MM"``; durations in minutes;
rates in arrivals per hour.

One module per parameter group: :mod:`calibration.arrivals` (daily volume, weekday and
month factors, busyness, intraday profiles), :mod:`calibration.mix` (item, family and
origin mixes), :mod:`calibration.service` (service times, skill multipliers),
:mod:`calibration.patience` (censored patience), :mod:`calibration.balking` (step-rule
balking), :mod:`calibration.cross_province` (round-trip delays) and
:mod:`calibration.layout` (windows, staff, staffing plan, closures, walk time,
no-shows). The names are re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from calibration._common import SERVICE_CANDIDATES, round_shares
from calibration.arrivals import ArrivalFit, DailyFit, KSResult, fit_arrivals, fit_daily_counts
from calibration.balking import BalkingFit, fit_balking
from calibration.calendar import DateLike, OpeningHours
from calibration.clean import CleanResult
from calibration.cross_province import CrossProvinceFit, fit_cross_province
from calibration.mix import MixFit, fit_mix
from calibration.patience import PatienceFit, fit_patience, kaplan_meier
from calibration.service import (
    DistFit,
    ServiceFit,
    fit_service_distribution,
    fit_service_times,
)

__all__ = [
    "SERVICE_CANDIDATES",
    "ArrivalFit",
    "BalkingFit",
    "CalibrationFit",
    "CrossProvinceFit",
    "DailyFit",
    "DistFit",
    "KSResult",
    "MixFit",
    "PatienceFit",
    "ServiceFit",
    "fit_all",
    "fit_arrivals",
    "fit_balking",
    "fit_cross_province",
    "fit_daily_counts",
    "fit_mix",
    "fit_patience",
    "fit_service_distribution",
    "fit_service_times",
    "kaplan_meier",
]

# =========================================================================== all


@dataclass(frozen=True)
class CalibrationFit:
    """Everything fitted from one centre's ticket log.

    Attributes
    ----------
    centre_id : str
        Centre the log is from.
    arrivals : ArrivalFit
        Arrival rates, profiles, weekday/month factors, busyness.
    mix : MixFit
        Item, family and origin mixes.
    service : tuple of ServiceFit
        Base service-time fit per family.
    service_by_level : tuple of ServiceFit
        Per (family, skill level) fits (empty without a skills table).
    skill_multipliers : dict or None
        Level -> mean at level / mean at proficient.
    patience : PatienceFit
        Censored patience fit.
    cross_province : CrossProvinceFit
        Round-trip delays (or why they are missing).
    n_used : int
        Cleaned rows used.
    notes : tuple of str
        Caveats found while fitting (e.g. fallbacks in the scenario dict).
    balking : BalkingFit or None
        Step-rule balking fit; None when balks were not separated from abandonments
        (see ``balking_accepted`` for whether the scenario uses it)
        (``fit_all(balk_max_minutes=None)``), and then the scenario keeps the base's rule.
    """

    centre_id: str
    arrivals: ArrivalFit
    mix: MixFit
    service: tuple[ServiceFit, ...]
    service_by_level: tuple[ServiceFit, ...]
    skill_multipliers: dict[str, float] | None
    patience: PatienceFit
    cross_province: CrossProvinceFit
    n_used: int
    notes: tuple[str, ...] = field(default=())
    balking: BalkingFit | None = None
    balking_accepted: bool = False

    def service_table(self) -> pd.DataFrame:
        """Tidy table of all service fits (best candidate per group).

        Returns
        -------
        pandas.DataFrame
            ``family``, ``level``, ``n``, ``dist``, ``mean``, ``cv``, ``sample_mean``,
            ``sample_cv``, ``aic``, ``gof_pvalue``.
        """
        rows = [
            (
                f.group,
                f.level,
                f.n,
                f.best.dist,
                f.best.mean,
                f.best.cv,
                f.sample_mean,
                f.sample_cv,
                f.best.aic,
                f.gof_pvalue,
            )
            for f in (
                *self.service,
                *(g for g in self.service_by_level if all(g is not b for b in self.service)),
            )
        ]
        return pd.DataFrame(
            rows,
            columns=[
                "family",
                "level",
                "n",
                "dist",
                "mean",
                "cv",
                "sample_mean",
                "sample_cv",
                "aic",
                "gof_pvalue",
            ],
        )

    def to_scenario_dict(self) -> dict[str, Any]:
        """Nested dicts in the scenario YAML schema (plain Python types, YAML-safe).

        Returns
        -------
        dict
            Keys ``demand``, ``centre``, ``catalogue`` (each family also gets its visit
            ``share`` among the fitted families, which the engine reads when no
            items file is given), ``impatience`` (``reneging``, and ``balking`` when
            it was fitted) and, when the
            data allow, ``staffing`` (skill multipliers) and ``origin_mix``. A day type
            without data takes the weekend profile (holiday) or is omitted; see
            :attr:`notes`.
        """
        daily = self.arrivals.daily
        profiles: dict[str, Any] = {}
        present = set(self.arrivals.rates["day_type"])
        for kind in ("weekday", "weekend", "holiday"):
            if kind in present:
                profiles[kind] = self.arrivals.profile(kind)
        fams = self.mix.families[self.mix.families["family"].isin([f.group for f in self.service])]
        fam_share = dict(zip(fams["family"], round_shares(fams["share"].to_numpy()), strict=True))
        if "holiday" not in profiles and "weekend" in profiles:
            profiles["holiday"] = self.arrivals.profile("weekend")
        scen: dict[str, Any] = {
            "demand": {
                "profiles": profiles,
                "weekday_factors": [round(x, 4) for x in daily.weekday_factors],
                "month_factors": [round(x, 4) for x in daily.month_factors],
                "busyness_cv": round(daily.busyness_cv, 4),
            },
            "centre": {"daily_volume": round(daily.daily_volume, 2)},
            "catalogue": {
                "families": {
                    f.group: {"share": fam_share.get(f.group, 0.0), "service": f.best.to_scenario()}
                    for f in self.service
                },
                "item_weights": dict(
                    zip(
                        self.mix.items["item_id"].astype(str),
                        round_shares(self.mix.items["share"].to_numpy()),
                        strict=True,
                    )
                ),
            },
            "impatience": {"reneging": self.patience.to_scenario()},
        }
        if self.balking is not None:
            scen["impatience"]["balking"] = (
                self.balking.to_scenario() if self.balking_accepted else {"enabled": False}
            )
        if self.skill_multipliers:
            scen["staffing"] = {
                "skill_multipliers": {k: round(v, 4) for k, v in self.skill_multipliers.items()}
            }
        if len(self.mix.origins):
            scen["origin_mix"] = dict(
                zip(
                    self.mix.origins["origin"].astype(str),
                    round_shares(self.mix.origins["share"].to_numpy()),
                    strict=True,
                )
            )
        return scen

    def summary(self) -> str:
        """Short human-readable summary of the fit."""
        d = self.arrivals.daily
        lines = [
            f"Centre {self.centre_id}: {self.n_used} tickets, {d.n_days} regular days",
            f"  daily volume {d.daily_volume:.1f}; weekday factors "
            + ", ".join(f"{x:.2f}" for x in d.weekday_factors),
            f"  busyness CV {d.busyness_cv:.3f} (LR {d.lr_statistic:.1f}, p {d.lr_pvalue:.3g})",
            f"  KS (conditional uniform): D={self.arrivals.ks.statistic:.4f}, "
            f"p={self.arrivals.ks.pvalue:.3g}, n={self.arrivals.ks.n}",
        ]
        for f in self.service:
            lines.append(
                f"  service {f.group} [{f.level}]: {f.best.dist} mean {f.best.mean:.2f} min "
                f"cv {f.best.cv:.2f} (n={f.n}, GoF p={f.gof_pvalue:.2f})"
            )
        p = self.patience
        lines.append(
            f"  patience: {p.best}; lognormal median {p.ln_median:.1f} min sigma "
            f"{p.ln_sigma:.2f}; exponential mean {p.exp_mean:.1f} min "
            f"({p.n_exact} exact, {p.n_right} right-censored, {p.n_left} without leave time)"
        )
        if self.balking is not None:
            lines.append(f"  {self.balking.summary()}")
        lines.append(f"  cross-province: {self.cross_province.note}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


def fit_all(
    cleaned: CleanResult | pd.DataFrame,
    *,
    skills: pd.DataFrame | None = None,
    centre_id: str | None = None,
    bin_minutes: int = 30,
    opening_hours: OpeningHours | None = None,
    holidays: Iterable[DateLike] | None = None,
    working_days: Iterable[DateLike] | None = None,
    overdispersion_level: float = 0.05,
    service_outcomes: Sequence[str] = ("served",),
    candidates: Sequence[str] = SERVICE_CANDIDATES,
    min_n: int = 30,
    gof_n_mc: int = 99,
    gof_max_n: int = 500,
    missing_origin_as: str | None = None,
    no_show: str = "ignore",
    balk_max_minutes: float | None = None,
    min_balks: int = 20,
    balk_level: float = 0.01,
    local_service_only: bool = True,
    exclude_days: Iterable[DateLike] | None = None,
    seed: int = 0,
) -> CalibrationFit:
    """Fit every scenario parameter from one centre's cleaned ticket log.

    Parameters
    ----------
    cleaned : CleanResult or pandas.DataFrame
        Output of :func:`calibration.clean.clean_ticket_log` (or its ``data``).
    skills : pandas.DataFrame, optional
        Staff skills table (``staff_id, family, level``).
    centre_id : str, optional
        Centre to fit; required when the log holds several centres.
    bin_minutes : int
        Intraday bin width, minutes.
    opening_hours : mapping, optional
        Opening intervals per day type (as used in cleaning).
    holidays, working_days : iterable of date-like, optional
        Calendar (as used in cleaning).
    overdispersion_level : float
        Level of the Poisson-vs-gamma busyness test.
    service_outcomes, candidates, min_n, gof_n_mc, gof_max_n :
        See :func:`fit_service_times`.
    missing_origin_as : str, optional
        See :func:`fit_mix`.
    no_show, balk_max_minutes :
        See :func:`fit_patience`. With ``balk_max_minutes`` set, balking is also fitted
        (:func:`calibration.balking.fit_balking`); with None it is not (no balk
        definition), and the scenario keeps the base scenario's rule.
    min_balks, balk_level :
        Balking enters the scenario only on strong evidence: at least ``min_balks``
        balks and a likelihood-ratio test against queue-independent balks significant at
        ``balk_level``. The test's parametric bootstrap re-maximises the threshold in
        every sample, so the p-value is already corrected for the thresholds tried.
        Otherwise balking is written disabled, with a note.
    local_service_only : bool
        Fit service times on local residents only (origin empty or ``shanghai``): a
        cross-province resident's service includes the round trip to the home
        province, which the scenario models apart (``cross_province``).
    exclude_days : iterable of date-like, optional
        Dates left out of the weekday / month factor fit (see :func:`fit_daily_counts`).
    seed : int
        Seed for the goodness-of-fit subsampling / Monte Carlo (and the balking LR
        bootstrap).

    Returns
    -------
    CalibrationFit
        All fits; :meth:`CalibrationFit.to_scenario_dict` gives the scenario form.
    """
    data = cleaned.data if isinstance(cleaned, CleanResult) else cleaned
    centres = sorted(data["centre_id"].astype(str).unique())
    if centre_id is None:
        if len(centres) != 1:
            raise ValueError(
                f"the log holds {len(centres)} centres {centres[:10]}; pass centre_id="
            )
        centre_id = centres[0]
    elif centre_id not in centres:
        raise ValueError(f"centre_id {centre_id!r} not in the log (centres: {centres[:10]})")
    data = data.loc[data["centre_id"] == centre_id].reset_index(drop=True)
    notes: list[str] = []
    arrivals = fit_arrivals(
        data,
        bin_minutes=bin_minutes,
        opening_hours=opening_hours,
        holidays=holidays,
        working_days=working_days,
        level=overdispersion_level,
        exclude_days=exclude_days,
    )
    if "holiday" not in set(arrivals.rates["day_type"]):
        notes.append("no holiday in the data: the holiday profile copies the weekend profile")
    missing_months = sorted(set(range(1, 13)) - set(arrivals.daily.months_observed))
    if missing_months:
        notes.append(
            f"months {missing_months} not observed: their month factors are assumed "
            "(calibration.parameters.demand.month_factors_unseen)"
        )
    svc_data = data
    if local_service_only and "origin" in data:
        org = data["origin"].astype("string").str.lower()
        local = org.isna() | (org == "shanghai")
        if (~local).any():
            svc_data = data.loc[local.to_numpy()]
            notes.append(
                f"service times fitted on {int(local.sum())} local residents' tickets; "
                f"{int((~local).sum())} tickets of residents of other provinces left out "
                "(their service includes the cross-province round trip)"
            )
    base, by_level, mult = fit_service_times(
        svc_data,
        skills=skills,
        outcomes=service_outcomes,
        candidates=candidates,
        min_n=min_n,
        gof_n_mc=gof_n_mc,
        gof_max_n=gof_max_n,
        seed=seed,
    )
    fitted = {f.group for f in base}
    for fam in sorted(set(data["family"].astype(str)) - fitted):
        notes.append(f"family {fam!r}: fewer than {min_n} service times, no service fit")
    patience = fit_patience(data, no_show=no_show, balk_max_minutes=balk_max_minutes)
    if not patience.identifiable:
        notes.append("no abandonment observed: reneging disabled")
    if patience.n_unknown:
        notes.append(
            f"{patience.n_unknown} abandonments without a leave time not used for patience"
        )
    balking = None
    accepted = False
    if balk_max_minutes is None:
        notes.append(
            "balks not separated from abandonments (balk_max_minutes=None): balking not calibrated"
        )
    else:
        balking = fit_balking(data, balk_max_minutes=balk_max_minutes, seed=seed)
        notes.extend(_balking_notes(balking))
        accepted = (
            balking.enabled
            and balking.n_balked >= min_balks
            and math.isfinite(balking.lr_pvalue)
            and balking.lr_pvalue < balk_level
        )
        if balking.enabled and not accepted:
            notes.append(
                f"balking not used: {balking.n_balked} balks (need {min_balks}), LR test "
                f"against queue-independent balks p = {balking.lr_pvalue:.3g} (need < "
                f"{balk_level:g}); zero-wait abandonments are left out of patience"
            )
    xp = fit_cross_province(data)
    if not xp.available:
        notes.append(f"cross-province delays: {xp.note}")
    return CalibrationFit(
        centre_id=centre_id,
        arrivals=arrivals,
        mix=fit_mix(data, missing_origin_as=missing_origin_as),
        service=base,
        service_by_level=by_level,
        skill_multipliers=mult,
        patience=patience,
        cross_province=xp,
        n_used=len(data),
        notes=tuple(notes),
        balking=balking,
        balking_accepted=bool(balking is not None and accepted),
    )


def _balking_notes(b: BalkingFit) -> list[str]:
    """Caveats of a balking fit for :attr:`CalibrationFit.notes`."""
    if not b.enabled:
        return [
            f"no balk (abandonment within {b.balk_max_minutes:g} min of the ticket) among "
            f"{b.n_tickets} tickets: balking disabled"
        ]
    out = []
    if b.threshold == 0:
        out.append(
            "balks seen with an empty queue: balking threshold 0 (zero-wait abandonments "
            "happen whatever the queue; check the balk definition)"
        )
    if math.isfinite(b.lr_pvalue) and b.lr_pvalue > 0.05:
        out.append(
            f"balks do not depend detectably on the queue length (LR {b.lr_statistic:.2f}, "
            f"p {b.lr_pvalue:.2f}): the step rule is fitted but weakly supported"
        )
    if b.n_balked < 20:
        out.append(f"balking estimated from only {b.n_balked} balks")
    return out
