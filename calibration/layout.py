"""What the log shows about the centre itself: windows, staff, staffing, closures,
walk time and no-shows.

Nothing here comes from a base scenario: the layout, the staff, their skill levels and
the staffing plan are read from the served rows of the ticket log.

* **Windows and groups.** Every ``window_id`` that served a ticket is a window. The
  families a window served (at least ``min_family_rows`` rows and ``min_family_share`` of
  its rows, so a handful of misrouted tickets do not count) decide its group: a window
  that served every family with demand is ``comprehensive``; the others are
  ``dedicated`` windows, grouped by the set of families they served.
* **Staff and skill levels.** Every ``staff_id`` that served is a staff member, skilled
  in the families it served (same thresholds). Its speed is the ratio estimator
  ``sum(service) / sum(family mean)`` over its rows, with the family means taken at the
  staff judged ``proficient`` (three passes, starting from all staff); its 95% CI (delta
  method) counts the variance of the staff member's own services and of the reference
  family means (a family with few proficient rows makes the speed of its specialists
  uncertain). A staff member whose CI lies wholly above 1 (at a
  Bonferroni level over the staff) is ``novice``, wholly below 1 ``expert``, otherwise
  ``proficient``; staff with fewer than ``min_staff_rows`` rows are pooled into
  ``proficient``. The scenario's ``skill_multipliers`` are then the fitted service
  means per level (``calibration.service``) relative to ``proficient``.
* **Staffing plan.** Without a staffing file, a window is open from its first call to
  its last service end of a session (sessions split at idle gaps longer than
  ``gap_minutes``); a window counts as open in a 30-min bin when it is open for at least
  half of it. Per day type and bin the mean number of open windows of each group over
  the open days of that type, rounded, gives a ``by_block`` plan (equal consecutive bins
  merged). With a staffing file, its most common schedule per day type sets the blocks
  and the number of windows open, spread over the groups in the proportions seen in the
  log (largest remainder, each group with demand keeps at least one window).
* **Closed days** come from cleaning (:func:`calibration.clean.detect_closed_days`: their
  stray rows are excluded as ``closed_day``); they are left out of the staffing plan, and
  when most holidays of the period are closed, holidays are closed in the scenario.
* **Walk time** (call to service start of served rows) and **no-shows** (called, never
  served; share of called tickets; hold time from the window's next call, see
  :func:`_no_show_hold`) are fitted for ``centre.walk_time`` and ``centre.no_show``.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from calibration.calendar import OpeningHours, hhmm, opening_intervals

__all__ = [
    "LayoutFit",
    "StaffFit",
    "WindowGroup",
    "fit_layout",
    "plan_from_staffing",
]

_SERVED = ("served", "transferred")


@dataclass(frozen=True)
class WindowGroup:
    """A group of windows of the same kind serving the same families.

    Attributes
    ----------
    name : str
        Group name in the scenario (``comprehensive``, ``dedicated_1``, ...).
    kind : str
        ``comprehensive`` or ``dedicated``.
    families : tuple of str
        Families served (every family for a comprehensive group).
    windows : tuple of str
        The log's window ids.
    prefix : str
        Prefix of the scenario's window ids (``C`` -> ``C1``, ``C2``...).
    """

    name: str
    kind: str
    families: tuple[str, ...]
    windows: tuple[str, ...]
    prefix: str


@dataclass(frozen=True)
class StaffFit:
    """One staff member seen in the log.

    Attributes
    ----------
    staff_id : str
        The log's staff id.
    n : int
        Services in the fitting period.
    families : tuple of str
        Families served (the staff member's skills).
    speed : float
        Service time relative to the proficient family means (1 = proficient).
    speed_ci : tuple of float
        95% confidence interval of ``speed``.
    level : str
        ``novice``, ``proficient`` or ``expert``.
    pooled : bool
        True when too few rows to judge: pooled into ``proficient``.
    """

    staff_id: str
    n: int
    families: tuple[str, ...]
    speed: float
    speed_ci: tuple[float, float]
    level: str
    pooled: bool


@dataclass(frozen=True)
class LayoutFit:
    """Layout, staff, staffing plan, closures, walk time and no-shows from a log.

    Attributes
    ----------
    groups : tuple of WindowGroup
        Window groups.
    window_families : pandas.DataFrame
        ``window_id``, ``family``, ``count`` (served rows).
    staff : tuple of StaffFit
        Staff members.
    plan : dict
        ``staffing.plan`` (``by_block``).
    open_windows : pandas.DataFrame
        ``day_type``, ``start_min``, ``end_min``, ``group``, ``mean_open`` (per bin).
    closed_dates : tuple of pandas.Timestamp
        Days judged closed.
    holidays_closed : bool or None
        True when most holidays were closed (None: no holiday in the period).
    walk : dict
        Walk-time summary (``n``, ``mean_min``, ``median_min``, ``p90_min``,
        ``share_zero``).
    walk_dist, hold_dist : dict or None
        Scenario distributions (best of the service candidates by AIC) of the walk time
        and of the no-show hold time; None when the log shows none (or too few).
    no_show : dict
        No-show summary (``n``, ``n_called``, ``share``, ``share_se``,
        ``hold_mean_min``, ``hold_n``). The hold (how long a window waits for a
        no-show) is the gap from the no-show's call to the window's next call when the
        next resident was already waiting (or ticket close - call when the log has it).
    notes : tuple of str
        Caveats.
    """

    groups: tuple[WindowGroup, ...]
    window_families: pd.DataFrame
    staff: tuple[StaffFit, ...]
    plan: dict[str, Any]
    open_windows: pd.DataFrame
    closed_dates: tuple[pd.Timestamp, ...]
    holidays_closed: bool | None
    walk: dict[str, float]
    no_show: dict[str, float]
    notes: tuple[str, ...] = field(default=())
    walk_dist: dict[str, Any] | None = None
    hold_dist: dict[str, Any] | None = None

    def calling(self) -> dict[str, Any]:
        """``centre.walk_time`` and ``centre.no_show`` (empty when the log shows neither)."""
        out: dict[str, Any] = {}
        if self.walk_dist is not None:
            out["walk_time"] = self.walk_dist
        p = self.no_show.get("share", math.nan)
        if math.isfinite(p) and p > 0:
            ns: dict[str, Any] = {"probability": round(float(p), 5)}
            if self.hold_dist is not None:
                ns["hold"] = self.hold_dist
            out["no_show"] = ns
        return out

    def skills_table(self) -> pd.DataFrame:
        """``staff_id, family, level`` (the staff skills the log shows)."""
        rows = [(s.staff_id, f, s.level) for s in self.staff for f in s.families]
        return pd.DataFrame(rows, columns=["staff_id", "family", "level"])

    def window_map(self) -> dict[str, str]:
        """Log window id -> scenario window id."""
        out = {}
        for g in self.groups:
            n = len(g.windows)
            for k, w in enumerate(g.windows):
                out[w] = f"{g.prefix}{k + 1}" if n > 1 or g.prefix == g.name else g.prefix
        return out

    def to_scenario(self, families: Sequence[str]) -> dict[str, Any]:
        """``layout`` and ``staffing`` (staff and plan) sections.

        Parameters
        ----------
        families : sequence of str
            Families of the scenario (staff skills outside it are dropped).
        """
        fams = set(families)
        windows: dict[str, Any] = {}
        for g in self.groups:
            spec: dict[str, Any] = {"kind": g.kind, "count": len(g.windows), "prefix": g.prefix}
            if g.kind != "comprehensive":
                spec["families"] = [f for f in g.families if f in fams]
            windows[g.name] = spec
        staff: dict[str, Any] = {}
        for k, s in enumerate(self.staff):
            skills = {f: s.level for f in s.families if f in fams}
            if skills:
                staff[f"staff_{k + 1:02d}"] = {"count": 1, "skills": skills}
        return {
            "layout": {"windows": windows},
            "staffing": {"staff": staff, "plan": self.plan},
        }


def _safe_label(s: str) -> str:
    """A scenario key from a family name: letters, digits and underscores."""
    return re.sub(r"[^0-9A-Za-z_]+", "_", s).strip("_") or "x"


def _sessions(call: np.ndarray, end: np.ndarray, gap: float) -> list[tuple[float, float]]:
    order = np.argsort(call, kind="stable")
    c, e = call[order], end[order]
    out: list[tuple[float, float]] = []
    s0, e0 = c[0], e[0]
    for a, b in zip(c[1:], e[1:], strict=True):
        if a - e0 > gap:
            out.append((s0, e0))
            s0, e0 = a, b
        else:
            e0 = max(e0, b)
    out.append((s0, e0))
    return out


def _bins_of(intervals: Sequence[tuple[int, int]], width: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in intervals:
        edges = sorted({a, b, *range((a // width + 1) * width, b, width)})
        out.extend(itertools.pairwise(edges))
    return out


def _blocks(bins: list[tuple[int, int]], opens: list[dict[str, int]]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for (a, b), o in zip(bins, opens, strict=True):
        o = {g: n for g, n in o.items() if n > 0}
        if blocks and blocks[-1]["open"] == o and blocks[-1]["_end"] == a:
            blocks[-1]["_end"] = b
        else:
            blocks.append({"_start": a, "_end": b, "open": o})
    return [
        {"start": hhmm(x["_start"]), "end": hhmm(x["_end"]), "open": x["open"]}
        for x in blocks
        if x["open"]
    ]


def _largest_remainder(n: int, shares: Mapping[str, float]) -> dict[str, int]:
    tot = sum(shares.values())
    if n <= 0 or tot <= 0:
        return {}
    want = {g: n * s / tot for g, s in shares.items()}
    alloc = {g: math.floor(v) for g, v in want.items()}
    for g in sorted(want, key=lambda g: want[g] - alloc[g], reverse=True)[
        : n - sum(alloc.values())
    ]:
        alloc[g] += 1
    if n >= len(shares):  # every group with demand keeps a window
        for g in shares:
            if alloc[g] == 0 and shares[g] > 0:
                donor = max(alloc, key=lambda h: alloc[h])
                alloc[donor] -= 1
                alloc[g] += 1
    return {g: k for g, k in alloc.items() if k > 0}


def plan_from_staffing(
    staffing: pd.DataFrame,
    day_type_of: Mapping[pd.Timestamp, str],
    group_shares: Mapping[str, Mapping[str, float]],
    notes: list[str] | None = None,
) -> dict[str, Any]:
    """A ``by_block`` plan from a staffing history: for each day type its most common
    block schedule; the windows open in a block are spread over the window groups in the
    proportions the log shows for that day type (largest remainder). A day type the
    history never shows open takes the schedule of the nearest one, said in ``notes``.

    Parameters
    ----------
    staffing : pandas.DataFrame
        One centre's rows of :func:`calibration.io.read_staffing`.
    day_type_of : mapping
        Date -> ``weekday`` / ``weekend`` / ``holiday`` (closed dates absent).
    group_shares : mapping
        Day type -> group -> mean windows open (from :func:`fit_layout`).
    notes : list of str, optional
        Caveats are appended here.
    """
    per_key: dict[str, Counter[tuple[tuple[str, str, int], ...]]] = {}
    for date, rows in staffing.groupby("date"):
        key = day_type_of.get(pd.Timestamp(str(date)).normalize())
        if key is None:
            continue
        sched = tuple(
            sorted(
                zip(
                    rows["start"].astype(str),
                    rows["end"].astype(str),
                    rows["windows_open"].astype(int),
                    strict=True,
                )
            )
        )
        per_key.setdefault(key, Counter())[sched] += 1
    blocks: dict[str, list[dict[str, Any]]] = {}
    for key, cnt in per_key.items():
        sched = cnt.most_common(1)[0][0]
        shares = group_shares.get(key) or group_shares.get("weekday") or {}
        blocks[key] = [
            {"start": a, "end": b, "open": _largest_remainder(n, shares)}
            for a, b, n in sched
            if n > 0
        ]
    return {"mode": "by_block", "blocks": _fill_day_types(blocks, notes)}


_DAYS = {"weekday": "weekdays", "weekend": "weekend days", "holiday": "holidays"}
#: Day type -> the day types whose schedule it takes, nearest first, when the history
#: shows none of its own.
_NEAREST = {
    "weekday": ("weekend", "holiday"),
    "weekend": ("weekday", "holiday"),
    "holiday": ("weekend", "weekday"),
}


def _fill_day_types(
    blocks: dict[str, list[dict[str, Any]]], notes: list[str] | None
) -> dict[str, list[dict[str, Any]]]:
    """Give a day type the history shows no open day of the blocks of the nearest one it
    shows (:data:`_NEAREST`), so that the plan covers every day the scenario may open;
    each copy is said in ``notes``: it is an assumption, not a fit."""
    seen = [k for k in _NEAREST if blocks.get(k)]
    for key, nearest in _NEAREST.items():
        source = next((k for k in nearest if k in seen), None)
        if key in seen or source is None:
            continue
        blocks[key] = blocks[source]
        if notes is not None:
            notes.append(
                f"staffing plan: no open {key} in the history, so the {_DAYS[key]}' "
                f"schedule is copied from the {_DAYS[source]}' (assumed; it matters only "
                f"if the centre opens on {_DAYS[key]})"
            )
    return blocks


#: Smallest relative difference from ``proficient`` for which a staff member is written
#: with another level (besides a CI wholly above / below 1). With thousands of services
#: a 2-4% difference is significant (it also arises when an expert pulls down the
#: reference mean of a family no proficient staff serves), and writing that staff
#: member as a novice would apply the novice multiplier (about 1.3) to all their
#: services. 0.075 is half the gap between proficient (1.0) and the reference
#: scenario's expert (0.85): a staff member takes another level only when nearer to it.
MIN_SPEED_EFFECT = 0.075


def _initial_reference(
    x: np.ndarray, fam: np.ndarray, sid: np.ndarray, counts: Counter[str], min_staff_rows: int
) -> set[str]:
    """Staff to take the first reference family means from: those within
    :data:`MIN_SPEED_EFFECT` of the median staff member of each family they serve.

    Starting from every staff member instead lets one busy novice (most of a family's
    rows) pull the reference towards itself and hide, and an expert make the
    comprehensive staff look slow on the families only they and the expert serve."""
    frame = pd.DataFrame({"s": sid, "f": fam, "x": x})
    cell = frame.groupby(["s", "f"])["x"].agg(["sum", "size"])
    big = cell.loc[cell["size"] >= min_staff_rows]
    if big.empty:
        return set()
    med = (big["sum"] / big["size"]).groupby(level="f").median()
    cell = cell.assign(m=med.reindex(cell.index.get_level_values("f")).to_numpy())
    cell = cell.loc[np.isfinite(cell["m"])]
    tot = cell.assign(e=cell["size"] * cell["m"]).groupby(level="s")[["sum", "e"]].sum()
    ratio = tot["sum"] / tot["e"]
    return {
        str(s)
        for s, r in ratio.items()
        if counts[str(s)] >= min_staff_rows and abs(float(r) - 1.0) < MIN_SPEED_EFFECT
    }


def _staff_speeds(
    d: pd.DataFrame, min_staff_rows: int, families_of: Mapping[str, tuple[str, ...]]
) -> list[StaffFit]:
    """Ratio-estimator speed per staff member against proficient family means.

    A staff member is ``novice`` (``expert``) when the Bonferroni CI of the speed lies
    wholly above (below) 1 **and** the speed differs from 1 by at least
    :data:`MIN_SPEED_EFFECT`."""
    x = d["service_min"].to_numpy(dtype=float)
    fam = d["family"].astype(str).to_numpy()
    sid = d["staff_id"].astype(str).to_numpy()
    staff_ids = sorted(set(sid))
    counts = Counter(sid)
    prof = _initial_reference(x, fam, sid, counts, min_staff_rows) or set(staff_ids)
    speeds: dict[str, tuple[float, float]] = {}
    levels: dict[str, str] = {}
    z = float(stats.norm.ppf(1 - 0.025 / max(len(staff_ids), 1)))
    for _ in range(3):
        ref = pd.DataFrame({"f": fam, "x": x})[np.isin(sid, list(prof))]
        g = ref.groupby("f")["x"]
        mean_f, var_f = g.mean(), g.var(ddof=1).fillna(0.0)
        allg = pd.DataFrame({"f": fam, "x": x}).groupby("f")["x"]
        mean_f = mean_f.reindex(allg.mean().index).fillna(allg.mean())
        var_f = var_f.reindex(mean_f.index).fillna(allg.var(ddof=1).fillna(0.0))
        n_ref = g.size().reindex(mean_f.index).fillna(0.0)
        mu = mean_f.reindex(fam).to_numpy()
        vv = var_f.reindex(fam).to_numpy()
        frame = pd.DataFrame({"s": sid, "f": fam, "x": x, "mu": mu, "v": vv})
        agg = frame.groupby("s")[["x", "mu", "v"]].sum()
        # variance of the reference means: sum_f n_sf^2 var_f / N_f (N_f reference rows)
        cell = frame.groupby(["s", "f"]).size().rename("n").reset_index()
        nr = n_ref.reindex(cell["f"]).to_numpy()
        cell["vm"] = np.where(
            nr > 0, cell["n"] ** 2 * var_f.reindex(cell["f"]).to_numpy() / np.maximum(nr, 1), np.inf
        )
        vm = cell.groupby("s")["vm"].sum()
        for s, row in agg.iterrows():
            m = float(row["mu"])
            sp = float(row["x"]) / m if m > 0 else 1.0
            # delta method for X / M: var(X) = sp^2 sum var_f; var(M) = vm
            var = (
                (sp**2 * float(row["v"]) + sp**2 * float(vm.get(s, 0.0))) / m**2
                if m > 0
                else math.inf
            )
            speeds[str(s)] = (sp, math.sqrt(var))
        new_prof = set()
        for s in staff_ids:
            sp, se = speeds[s]
            if counts[s] < min_staff_rows:
                levels[s] = "proficient"
            elif sp - z * se > 1.0 and sp >= 1.0 + MIN_SPEED_EFFECT:
                levels[s] = "novice"
            elif sp + z * se < 1.0 and sp <= 1.0 - MIN_SPEED_EFFECT:
                levels[s] = "expert"
            else:
                levels[s] = "proficient"
            if levels[s] == "proficient" and counts[s] >= min_staff_rows:
                new_prof.add(s)
        if not new_prof or new_prof == prof:
            prof = new_prof or prof
            break
        prof = new_prof
    out = []
    for s in staff_ids:
        sp, se = speeds[s]
        out.append(
            StaffFit(
                staff_id=s,
                n=int(counts[s]),
                families=families_of.get(s, ()),
                speed=sp,
                speed_ci=(max(0.0, sp - 1.96 * se), sp + 1.96 * se),
                level=levels[s],
                pooled=counts[s] < min_staff_rows,
            )
        )
    return out


def _served_families(
    frame: pd.DataFrame, key: str, min_rows: int, min_share: float
) -> dict[str, tuple[str, ...]]:
    tab = frame.groupby([key, "family"]).size().rename("n").reset_index()
    tot = tab.groupby(key)["n"].transform("sum")
    keep = (tab["n"] >= min_rows) & (tab["n"] >= min_share * tot)
    out: dict[str, tuple[str, ...]] = {}
    for k, rows in tab.loc[keep].groupby(key):
        out[str(k)] = tuple(sorted(rows["family"].astype(str)))
    return out


def fit_layout(
    data: pd.DataFrame,
    *,
    opening_hours: OpeningHours,
    calendar_dates: pd.DatetimeIndex,
    day_type_of: Mapping[pd.Timestamp, str],
    closed: Sequence[pd.Timestamp] = (),
    families: Sequence[str] | None = None,
    bin_minutes: int = 30,
    gap_minutes: float = 45.0,
    min_family_rows: int = 5,
    min_family_share: float = 0.005,
    min_staff_rows: int = 30,
    staffing: pd.DataFrame | None = None,
) -> LayoutFit:
    """Windows, groups, staff and their levels, staffing plan, walk time and no-shows.

    Parameters
    ----------
    data : pandas.DataFrame
        One centre's cleaned ticket log of the fitting period (closed days removed).
    opening_hours : mapping
        Opening intervals per day type.
    calendar_dates : pandas.DatetimeIndex
        Every date of the fitting period.
    day_type_of : mapping
        Date -> ``weekday`` / ``weekend`` / ``holiday`` for the open dates.
    closed : sequence of pandas.Timestamp
        Closed dates (from :func:`calibration.clean.detect_closed_days`).
    families : sequence of str, optional
        Families with demand (default: those of the log).
    bin_minutes, gap_minutes :
        Staffing bins and the idle gap that ends a window's session.
    min_family_rows, min_family_share :
        A window / staff member serves a family from this many rows and this share.
    min_staff_rows : int
        Fewer services: the staff member is pooled (``proficient``).
    staffing : pandas.DataFrame, optional
        Staffing history of the centre: its schedule replaces the one read from calls.

    Returns
    -------
    LayoutFit
    """
    notes: list[str] = []
    out = data["outcome"].astype(str)
    served = data.loc[out.isin(_SERVED) & data["window_id"].notna() & data["service_end"].notna()]
    if served.empty:
        raise ValueError("the log has no served row with a window id: the layout is unknown")
    fam_all = (
        list(families)
        if families is not None
        else sorted(data["family"].dropna().astype(str).unique())
    )
    fam_tickets = data["family"].astype(str).value_counts()
    demanded = [f for f in fam_all if fam_tickets.get(f, 0) >= min_family_share * len(data)]
    wf = served.groupby(["window_id", "family"]).size().rename("count").reset_index()
    wf["window_id"] = wf["window_id"].astype(str)
    wf["family"] = wf["family"].astype(str)
    win_fams = _served_families(
        served.astype({"window_id": str}), "window_id", min_family_rows, min_family_share
    )
    windows = sorted(set(served["window_id"].astype(str)))
    comp: list[str] = []
    ded: dict[tuple[str, ...], list[str]] = {}
    for w in windows:
        fs = tuple(f for f in win_fams.get(w, ()) if f in fam_all)
        if set(demanded) <= set(fs):
            comp.append(w)
        elif fs:
            ded.setdefault(fs, []).append(w)
        else:
            notes.append(f"window {w!r}: too few services to place it; left out")
    groups: list[WindowGroup] = []
    if comp:
        groups.append(
            WindowGroup("comprehensive", "comprehensive", tuple(fam_all), tuple(comp), "C")
        )
    for j, (fs, ws) in enumerate(sorted(ded.items(), key=lambda kv: kv[1][0])):
        name = "dedicated_" + "_".join(_safe_label(f) for f in fs)
        groups.append(WindowGroup(name, "dedicated", fs, tuple(ws), f"D{j + 1}_"))
    covered = set().union(*(set(g.families) for g in groups)) if groups else set()
    for f in demanded:
        if f not in covered:
            notes.append(f"family {f!r}: no window served it often enough")
    group_of = {w: g.name for g in groups for w in g.windows}

    # Staff and their speed.
    st = served.loc[served["staff_id"].notna() & served["service_min"].notna()]
    st = st.loc[st["outcome"].astype(str) == "served"].astype({"staff_id": str})
    staff_fams = _served_families(st, "staff_id", min_family_rows, min_family_share)
    staff = _staff_speeds(st, min_staff_rows, staff_fams) if len(st) else []
    staff = [s for s in staff if s.families]
    pooled = [s.staff_id for s in staff if s.pooled]
    if pooled:
        notes.append(
            f"{len(pooled)} staff with fewer than {min_staff_rows} services pooled as proficient"
        )

    # Windows open per bin and day type, from calls.
    dates = served["date"].to_numpy()
    call = ((served["call_time"] - served["date"]).dt.total_seconds() / 60.0).to_numpy()
    end = ((served["service_end"] - served["date"]).dt.total_seconds() / 60.0).to_numpy()
    wid = served["window_id"].astype(str).to_numpy()
    sess = []
    frame = pd.DataFrame({"d": dates, "w": wid, "c": call, "e": end}).dropna()
    for (d, wv), r in frame.groupby(["d", "w"], sort=False):
        wkey = str(wv)
        if wkey not in group_of:
            continue
        day = pd.Timestamp(str(d))
        ivs = opening_intervals(opening_hours, day_type_of.get(day, "weekday"))
        ss = _sessions(r["c"].to_numpy(), r["e"].to_numpy(), gap_minutes)
        if ivs:
            # A window idle from opening until its first call (or from its last service
            # to closing) was open all the same: extend a session that starts (ends)
            # within one idle gap of the opening (closing) time.
            t_open, t_close = ivs[0][0], ivs[-1][1]
            if ss[0][0] - t_open <= gap_minutes:
                ss[0] = (min(t_open, ss[0][0]), ss[0][1])
            if t_close - ss[-1][1] <= gap_minutes:
                ss[-1] = (ss[-1][0], max(t_close, ss[-1][1]))
        for a, b in ss:
            sess.append((day, group_of[wkey], a, b))
    sessions = pd.DataFrame(sess, columns=["date", "group", "start", "end"])
    rows = []
    plan_blocks: dict[str, list[dict[str, Any]]] = {}
    shares: dict[str, dict[str, float]] = {}
    closed_set = {pd.Timestamp(x) for x in closed}
    for key in ("weekday", "weekend", "holiday"):
        days_k = [d for d in calendar_dates if day_type_of.get(d) == key and d not in closed_set]
        ivs = opening_intervals(opening_hours, key)
        if not days_k or not ivs:
            continue
        bins = _bins_of(ivs, bin_minutes)
        s_k = sessions.loc[sessions["date"].isin(days_k)]
        opens = []
        for a, b in bins:
            ov = np.clip(np.minimum(s_k["end"], b) - np.maximum(s_k["start"], a), 0, None)
            on = s_k.loc[ov >= 0.5 * (b - a)]
            per = on.groupby(["group", "date"]).size().groupby("group").sum() / len(days_k)
            o = {}
            for g in groups:
                m = float(per.get(g.name, 0.0))
                rows.append((key, a, b, g.name, m))
                o[g.name] = min(round(m), len(g.windows))
                shares.setdefault(key, {}).setdefault(g.name, 0.0)
                shares[key][g.name] += m
            opens.append(o)
        plan_blocks[key] = _blocks(bins, opens)
    open_windows = pd.DataFrame(
        rows, columns=["day_type", "start_min", "end_min", "group", "mean_open"]
    )
    if staffing is not None and len(staffing):
        notes.append("staffing plan: schedule from the staffing file, groups split as in the log")
        plan = plan_from_staffing(staffing, day_type_of, shares, notes)
    else:
        plan = {"mode": "by_block", "blocks": _fill_day_types(plan_blocks, notes)}

    # Closures of holidays.
    hol = [d for d in calendar_dates if day_type_of.get(d) == "holiday"]
    hol_closed = None
    if hol:
        n_closed = sum(1 for d in hol if d in closed_set)
        hol_closed = n_closed >= 0.5 * len(hol)

    # Walk time and no-shows.
    sv = data.loc[out == "served"]
    walk = ((sv["service_start"] - sv["call_time"]).dt.total_seconds() / 60.0).dropna()
    walk = walk[walk >= 0]
    walk_d = {
        "n": len(walk),
        "mean_min": float(walk.mean()) if len(walk) else math.nan,
        "median_min": float(walk.median()) if len(walk) else math.nan,
        "p90_min": float(walk.quantile(0.9)) if len(walk) else math.nan,
        "share_zero": float((walk <= 0).mean()) if len(walk) else math.nan,
    }
    called = out.isin(("served", "transferred", "no_show")) & data["call_time"].notna()
    ns = data.loc[out == "no_show"]
    n_called = int(called.sum())
    n_ns = len(ns)
    p_ns = n_ns / n_called if n_called else math.nan
    hold = _no_show_hold(data)
    no_show = {
        "n": n_ns,
        "n_called": n_called,
        "share": p_ns,
        "share_se": math.sqrt(p_ns * (1 - p_ns) / n_called) if n_called else math.nan,
        "hold_mean_min": float(hold.mean()) if len(hold) else math.nan,
        "hold_n": len(hold),
    }
    walk_dist = _duration_dist(walk.to_numpy(dtype=float))
    hold_dist = _duration_dist(hold.to_numpy(dtype=float))
    return LayoutFit(
        walk_dist=walk_dist,
        hold_dist=hold_dist,
        groups=tuple(groups),
        window_families=wf,
        staff=tuple(staff),
        plan=plan,
        open_windows=open_windows,
        closed_dates=tuple(sorted(closed_set)),
        holidays_closed=hol_closed,
        walk=walk_d,
        no_show=no_show,
        notes=tuple(notes),
    )


def _no_show_hold(data: pd.DataFrame) -> pd.Series:
    """Minutes a window waited for a no-show: from the no-show's call to the window's
    next call that day, where the resident called next was already waiting at the
    no-show's call (so the window called again as soon as it stopped waiting). When the
    log closes no-show tickets with a ``service_end``, that time is used instead."""
    out = data["outcome"].astype(str)
    ns = data.loc[out == "no_show"]
    if ns.empty:
        return pd.Series(dtype=float)
    if ns["service_end"].notna().mean() > 0.5:
        h = ((ns["service_end"] - ns["call_time"]).dt.total_seconds() / 60.0).dropna()
        return h[h >= 0]
    called = data.loc[
        out.isin(("served", "transferred", "no_show"))
        & data["call_time"].notna()
        & data["window_id"].notna()
    ]
    c = called.assign(w=called["window_id"].astype(str)).sort_values(["date", "w", "call_time"])
    same = (c["date"].shift(-1) == c["date"]) & (c["w"].shift(-1) == c["w"])
    nxt_call = c["call_time"].shift(-1)
    nxt_ticket = c["ticket_time"].shift(-1)
    pick = (c["outcome"].astype(str) == "no_show") & same & (nxt_ticket <= c["call_time"])
    h = ((nxt_call[pick] - c.loc[pick, "call_time"]).dt.total_seconds() / 60.0).dropna()
    return h[h >= 0]


def _duration_dist(x: np.ndarray, min_n: int = 30) -> dict[str, Any] | None:
    """Best service-candidate distribution of positive durations (None: too few, or
    (almost) all zero, i.e. not recorded)."""
    from calibration._common import MIN_DURATION
    from calibration.service import fit_service_distribution

    x = x[np.isfinite(x)]
    if len(x) < min_n or float(np.mean(x > 0)) < 0.5:
        return None
    return fit_service_distribution(np.maximum(x, MIN_DURATION))[0].to_scenario()
