"""Balking: queue-length reconstruction from a ticket log, the step-rule MLE, and parameter
recovery from the simulator-based synthetic history."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calibration.balking import fit_balking, queue_at_arrival, wilson_interval
from calibration.clean import clean_ticket_log
from calibration.io import read_ticket_log
from calibration.pipeline import calibrate
from calibration.synthetic import SyntheticHistory, generate_history
from simulator import load_scenario

Z = 4.0

# --------------------------------------------------------------------------- hand-made log
# (row, centre, day, ticket, outcome, call, leave, queue seen: same_instant="waiting", "gone")
_D1, _D2 = "2025-03-03", "2025-03-04"
HAND = [
    ("r01", "A", _D1, "09:00:00", "served", "09:10:00", "", 0, 0),
    ("r02", "A", _D1, "09:01:00", "served", "09:05:00", "", 1, 1),  # r01
    ("r03", "A", _D1, "09:02:00", "abandoned", "", "09:04:00", 2, 2),  # r01 r02
    ("r04", "A", _D1, "09:03:00", "abandoned", "", "09:03:00", 3, 3),  # balk; r01-r03
    # r03 leaves at 09:04:00 exactly: a tie (still waiting under "waiting")
    ("r05", "A", _D1, "09:04:00", "no_show", "09:20:00", "", 3, 2),
    # r02 called at 09:05:00 exactly (tie); r03 gone; r04 balked (never waits)
    ("r06", "A", _D1, "09:05:00", "abandoned", "", "", 3, 2),  # no leave: waits to close
    ("r07", "A", _D1, "09:05:00", "served", "09:05:00", "", 4, 3),  # same second, after r06
    ("r08", "A", _D1, "09:06:00", "served", "09:30:00", "", 3, 3),  # r01 r05 r06; r07 wait 0
    ("r09", "A", _D1, "09:10:00", "transferred", "09:15:00", "", 4, 3),  # r01 tie, r05 r06 r08
    ("r10", "B", _D1, "09:00:30", "served", "09:30:00", "", 0, 0),  # other centre
    ("r11", "B", _D1, "09:02:00", "served", "09:03:00", "", 1, 1),
    ("r12", "A", _D2, "09:00:00", "served", "09:02:00", "", 0, 0),  # r06 (day 1) not carried
    ("r13", "A", _D2, "09:01:00", "served", "09:03:00", "", 1, 1),
]


def _stamp(day: str, clock: str) -> str:
    return f"{day} {clock}" if clock else ""


def _hand_csv(folder: Path, order: list[int]) -> Path:
    rows = []
    for k in order:
        rid, centre, day, t, outcome, call, leave, _, _ = HAND[k]
        served = outcome in ("served", "transferred")
        end = (pd.Timestamp(f"{day} {call}") + pd.Timedelta(minutes=5)) if served else None
        rows.append(
            {
                "centre_id": centre,
                "ticket_id": rid,
                "item_id": "I1",
                "ticket_time": _stamp(day, t),
                "call_time": _stamp(day, call),
                "service_start": _stamp(day, call) if served else "",
                "service_end": str(end) if end is not None else "",
                "window_id": "W1" if served else "",
                "staff_id": "S1" if served else "",
                "outcome": outcome,
                "leave_time": _stamp(day, leave),
            }
        )
    path = folder / "hand.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_queue_reconstruction_on_a_hand_made_log(tmp_path: Path) -> None:
    # Rows shuffled (the tied r06 stays before r07: log order breaks ties).
    order = [12, 3, 0, 9, 5, 7, 1, 10, 6, 11, 4, 8, 2]
    assert order.index(5) < order.index(6)
    log = read_ticket_log(_hand_csv(tmp_path, order))
    want = {h[0]: (h[7], h[8]) for h in HAND}
    ids = log["ticket_id"].astype(str)
    for mode, col in (("waiting", 0), ("gone", 1)):
        q = queue_at_arrival(log, same_instant=mode)
        assert dict(zip(ids, q.tolist(), strict=True)) == {k: v[col] for k, v in want.items()}
    # The cleaned log (with its date column and leave_min) gives the same queues.
    cat = pd.DataFrame({"item_id": ["I1"], "family": ["quick"]})
    data = clean_ticket_log(log, cat).data
    q = queue_at_arrival(data)
    assert dict(zip(data["ticket_id"].astype(str), q.tolist(), strict=True)) == {
        k: v[0] for k, v in want.items()
    }
    fit = fit_balking(data, queue=q, n_mc=0)
    assert (fit.n_balked, fit.threshold, fit.n_at_risk) == (1, 3, 6)  # r04 saw 3
    assert fit.probability == pytest.approx(1 / 6)


def _frame(queue: np.ndarray, balk: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "outcome": np.where(balk, "abandoned", "served"),
            "leave_min": np.where(balk, 0.0, np.nan),
        }
    )


def test_step_rule_mle_and_tests() -> None:
    rng = np.random.default_rng(3)
    n = 20000
    q = rng.integers(0, 40, n)
    k_true, p_true = 10, 0.2
    balk = (q >= k_true) & (rng.random(n) < p_true)
    fit = fit_balking(_frame(q, balk), queue=q, n_mc=199)
    # Overestimating k needs no balk among the ~500 tickets at exactly k: 0.8^500.
    assert fit.n_at_threshold > 300
    assert fit.threshold == k_true
    se = math.sqrt(p_true * (1 - p_true) / fit.n_at_risk)
    assert abs(fit.probability - p_true) < Z * se  # type: ignore[operator]
    assert fit.probability_se == pytest.approx(se, rel=0.1)
    lo, hi = fit.probability_ci
    assert lo < fit.probability < hi  # type: ignore[operator]
    prof = fit.profile.set_index("threshold")["loglik"]
    assert np.isneginf(prof.loc[k_true + 1 :]).all()  # a balk saw k_true
    assert prof.idxmax() == k_true and np.isfinite(prof.loc[:k_true]).all()
    assert fit.threshold_set is not None and fit.threshold_set[1] == k_true
    assert fit.lr_statistic > 100 and fit.lr_pvalue == pytest.approx(1 / 200)
    assert fit.to_scenario() == {
        "enabled": True,
        "threshold": k_true,
        "probability": round(fit.probability, 4),  # type: ignore[arg-type]
    }
    # Balking unrelated to the queue: threshold 0, no evidence against the constant share.
    flat = rng.random(n) < 0.05
    f0 = fit_balking(_frame(q, flat), queue=q, n_mc=199)
    assert f0.threshold == 0 and f0.lr_statistic == 0.0 and f0.lr_pvalue == 1.0
    # No balk at all: disabled.
    none = fit_balking(_frame(q, np.zeros(n, bool)), queue=q)
    assert not none.enabled and none.to_scenario() == {"enabled": False}
    assert "disabled" in none.summary()


def test_wilson_interval() -> None:
    lo, hi = wilson_interval(5, 10)
    assert (lo, hi) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    lo, hi = wilson_interval(0, 50)
    assert lo == 0.0 and hi == pytest.approx(0.0714, abs=1e-4)
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


def test_no_balk_disables_balking_in_the_scenario(year_log: pd.DataFrame) -> None:
    """The numpy-only synthetic log has no zero-wait abandonment: balking is disabled."""
    import calib_synth as cs

    p = cs.SynthParams()
    cleaned = clean_ticket_log(year_log, cs.catalogue(p), cs.OPENING_HOURS, holidays=p.holidays)
    fit = cs.fit_quickly(cleaned, p, balk_max_minutes=0.0)
    assert fit.balking is not None and not fit.balking.enabled
    assert fit.to_scenario_dict()["impatience"]["balking"] == {"enabled": False}
    assert any("balking disabled" in n for n in fit.notes)
    # Without a balk definition balking is not fitted (the base scenario's rule stays).
    fit2 = cs.fit_quickly(cleaned, p)
    assert fit2.balking is None and "balking" not in fit2.to_scenario_dict()["impatience"]


# --------------------------------------------------------------------------- recovery
# Reference rule: threshold 25, probability 0.3. Queues reach 25 only in busy hours of the
# reference centre, so the synthetic centre gets 1.4 x its volume (same 5 windows) for
# four months (about 27,000 tickets, ~2,400 of which see 25 or more waiting).
SIZE, START, END = 1.4, "2025-03-03", "2025-06-30"


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> SyntheticHistory:
    folder = tmp_path_factory.mktemp("synthetic_busy")
    return generate_history(folder, start=START, end=END, centres=1, seed=11, sizes=[SIZE])


def test_balking_recovered_from_simulated_history(busy: SyntheticHistory, tmp_path: Path) -> None:
    truth = busy.truth["SYN-01"]["impatience"]["balking"]
    k_true, p_true = int(truth["threshold"]), float(truth["probability"])
    assert truth["enabled"] and (k_true, p_true) == (25, 0.3)
    (res,) = calibrate(
        busy.tickets,
        name="busy_balk",
        catalogue=busy.catalogue,
        staffing=busy.staffing,
        out_dir=tmp_path,
        gof_n_mc=0,
        figures=False,
    )
    fit = res.fit
    b = fit.balking
    assert b is not None and b.enabled
    # Threshold: a balk needs n >= 25, and the reconstruction never undercounts (ties are
    # counted as waiting), so k_hat >= 25; k_hat > 25 needs none of the tickets that saw
    # exactly 25 to balk, probability 0.7^n. With n >= 40 that is below 1e-6.
    at_k = int(b.by_queue.set_index("queue").loc[k_true, "tickets"])
    assert at_k >= 40, at_k
    assert b.threshold == k_true, b.summary()
    # Probability: binomial share among the tickets that met the condition.
    se = math.sqrt(p_true * (1 - p_true) / b.n_at_risk)
    assert b.n_at_risk > 1000
    assert abs(b.probability - p_true) < Z * se, b.summary()  # type: ignore[operator]
    lo, hi = b.probability_ci
    assert lo < b.probability < hi  # type: ignore[operator]
    # Below the threshold nobody balks; the queue dependence is unmistakable.
    below = b.by_queue.loc[b.by_queue["queue"] < k_true]
    assert below["balks"].sum() == 0 and below["tickets"].sum() > 10 * b.n_at_risk
    assert b.lr_pvalue < 0.01

    # Into the scenario, with provenance; balking is no longer listed as not calibrated.
    cfg = res.config
    assert cfg["impatience"]["balking"] == {
        "enabled": True,
        "threshold": k_true,
        "probability": round(b.probability, 4),  # type: ignore[arg-type]
    }
    prov = cfg["calibration"]
    par = prov["parameters"]["impatience.balking"]
    assert par["n_balks"] == b.n_balked and par["n_at_risk"] == b.n_at_risk
    assert "profile MLE" in par["method"]
    assert "impatience" not in prov["not_calibrated"]
    text = res.scenario_path.read_text()
    assert "# --- impatience: fitted: reneging, balking" in text
    scn = load_scenario(str(res.scenario_path), ["calendar.days=3"])
    assert scn.impatience.balk_enabled and scn.impatience.balk_threshold == k_true
    assert scn.impatience.balk_probability == pytest.approx(b.probability, abs=1e-4)
