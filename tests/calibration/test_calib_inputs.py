"""Inputs: strict timestamps, duplicates and reused ticket ids, closed days, column
mapping, optional columns, cut examples; checked on hand-made files and on generated
histories whose faults are known row by row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from calibration.calendar import official_calendar
from calibration.clean import clean_ticket_log, detect_closed_days
from calibration.io import (
    TICKET_REQUIRED_COLUMNS,
    DataFormatError,
    apply_columns,
    classify_timestamps,
    columns_for,
    read_catalogue,
    read_staff_skills,
    read_staffing,
    read_table,
    read_ticket_log,
)
from calibration.synthetic import CHINESE_COLUMNS, RENAMED_COLUMNS, synthetic_history

START, END = "2025-03-03", "2025-04-30"  # includes Qingming (4-6 April, closed)


def test_timestamps_are_strict_and_faults_named() -> None:
    values = {
        "2019-02-01 08:30": ("2019-02-01 08:30:00", None),
        "2019-02-01T08:30:05.25": ("2019-02-01 08:30:05.25", None),
        "2019/02/01 08:30:00": ("2019-02-01 08:30:00", None),  # year first: unambiguous
        "2019-02-01T00:30:00Z": ("2019-02-01 08:30:00", None),
        "2019-02-01 08:30:00+0000": ("2019-02-01 16:30:00", None),
        "2019-02-1": (None, "truncated"),
        "2019-02-01": (None, "truncated"),  # a date is not a time
        "2019-02-01 08": (None, "truncated"),
        "2019-2-1 8:30": (None, "truncated"),
        "04/03/2019 09:15": (None, "ambiguous"),
        "4.3.19": (None, "ambiguous"),
        "2019-02-30 08:00": (None, "unparseable"),  # complete but impossible
        "09:15": (None, "unparseable"),
        "n/a": (None, "unparseable"),
        "": (None, None),
    }
    s = pd.Series(list(values), dtype=object)
    out, fault = classify_timestamps(s)
    for k, (text, (want, kind)) in enumerate(values.items()):
        if want is None:
            assert pd.isna(out[k]), text
        else:
            assert out[k] == pd.Timestamp(want), text
        assert (None if pd.isna(fault[k]) else fault[k]) == kind, text


def _log_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    cols = TICKET_REQUIRED_COLUMNS
    pd.DataFrame([{c: r.get(c, "") for c in cols} for r in rows]).to_csv(path, index=False)
    return path


def _served(tid: str, day: str, hhmm: str, end: str = "", item: str = "i1") -> dict[str, str]:
    t = f"{day} {hhmm}:00"
    e = end or f"{day} {hhmm}:59"
    return dict(
        centre_id="C",
        ticket_id=tid,
        item_id=item,
        ticket_time=t,
        call_time=t,
        service_start=t,
        service_end=e,
        window_id="W1",
        staff_id="S1",
        outcome="served",
    )


CAT = pd.DataFrame({"item_id": ["i1"], "family": ["f"]})


def test_time_faults_duplicates_and_reused_ids_reported_with_detail(tmp_path: Path) -> None:
    rows = [
        _served("A1", "2025-03-03", "09:00"),
        _served("A2", "2025-03-03", "09:05"),
        _served("A1", "2025-03-03", "09:00", end="2025-03-03 09:10:00"),  # same ticket again
        _served("A2", "2025-03-03", "10:40"),  # number issued twice, other ticket time
        _served("A2", "2025-03-04", "10:40"),  # numbers restart daily: fine
        {**_served("A3", "2025-03-03", "09:30"), "ticket_time": "2025-03-0"},
        {**_served("A4", "2025-03-03", "09:31"), "call_time": "03/03/2025 09:31"},
        {**_served("A5", "2025-03-03", "09:32"), "service_end": "soon"},
    ]
    log = read_ticket_log(_log_csv(tmp_path / "t.csv", rows))
    assert log.loc[5, "time_faults"] == "ticket_time:truncated=2025-03-0"
    res = clean_ticket_log(log, CAT, min_usable=1)
    got = res.excluded.set_index("source_row")[["reason", "detail"]]
    assert got.loc[3, "reason"] == "duplicate_ticket_id"
    assert got.loc[3, "detail"] == "repeats row 1"
    assert got.loc[4, "reason"] == "ticket_id_reused"
    assert "row 2" in got.loc[4, "detail"]
    assert got.loc[6, "reason"] == "truncated_time"
    assert "2025-03-0" in got.loc[6, "detail"]
    assert got.loc[7, "reason"] == "ambiguous_time"
    assert got.loc[8, "reason"] == "unparseable_time"
    assert sorted(res.data["source_row"]) == [1, 2, 5]
    assert "ticket_id_reused" in res.report()


def test_examples_cut_a_runaway_field(tmp_path: Path) -> None:
    huge = "X" * 2_000_000
    rows = [_served("A1", "2025-03-03", "09:00"), _served("A2", "2025-03-03", "09:05", item=huge)]
    res = clean_ticket_log(read_ticket_log(_log_csv(tmp_path / "t.csv", rows)), CAT, min_usable=1)
    assert res.excluded["reason"].tolist() == ["unknown_item"]
    ex = res.examples(max_chars=100)
    cell = ex.loc[0, "item_id"]
    assert len(cell) < 200 and cell.endswith("...[2000000 chars]")
    assert len(res.report()) < 2000


def test_column_mapping_flat_per_file_and_errors(tmp_path: Path) -> None:
    cols = {"origin": "origin_province", "start": "block_start", "staffing": {"end": "shift_end"}}
    assert columns_for(cols, "tickets") == {"origin": "origin_province", "start": "block_start"}
    assert columns_for(cols, "staffing")["end"] == "shift_end"
    with pytest.raises(DataFormatError, match=r"columns\.tickets\.origin"):
        columns_for({"tickets": {"origin": ""}}, "tickets")
    p = tmp_path / "st.csv"
    pd.DataFrame(
        {
            "Centre_ID": ["C"],
            "date": ["2025-03-03"],
            "Block_Start": ["08:30"],
            "shift_end": ["12:00"],
            "windows_open": [3],
        }
    ).to_csv(p, index=False)
    st = read_staffing(p, columns=columns_for(cols, "staffing"))
    assert st[["start", "end", "windows_open", "staff_on_duty"]].iloc[0].tolist() == [
        "08:30",
        "12:00",
        3,
        3,  # staff_on_duty defaults to windows_open
    ]
    with pytest.raises(DataFormatError, match=r"missing required column.*columns mapped"):
        read_staffing(p, columns={"start": "block_start"})
    df = read_table(p)
    with pytest.raises(DataFormatError, match="mapped to both"):
        apply_columns(df, {"start": "block_start", "open": "block_start"}, "x")
    with pytest.raises(DataFormatError, match="also has a column named 'date'"):
        apply_columns(df, {"date": "block_start"}, "x")


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("quiet")
    return synthetic_history(folder, "quiet", start=START, end=END, seed=3, adhoc_closures=12)


def _hours_and_calendar(scenario: str = "reference"):  # type: ignore[no-untyped-def]
    from simulator.config.compose import compose_config

    hours = compose_config(scenario)["calendar"]["hours"]
    oh = {k: [(v["open"], v["close"])] for k, v in hours.items()}
    cal = official_calendar(START, END)
    return oh, cal


def _clean_on_calendar(log: pd.DataFrame, history: Any, **kw: Any) -> Any:
    """Clean a synthetic history's ticket log against the reference centre's opening hours
    and the official calendar."""
    oh, cal = _hours_and_calendar()
    return clean_ticket_log(
        log,
        read_catalogue(history.catalogue),
        oh,
        holidays=cal.holidays,
        working_days=cal.working_days,
        **kw,
    )


def test_closed_days_detected_and_their_stray_rows_reported(quiet) -> None:  # type: ignore[no-untyped-def]
    facts = quiet.truth["SYN-01"]["synthetic"]
    closed_true = sorted(facts["closed_holidays"] + facts["closed_adhoc"])
    assert facts["closed_adhoc"] and facts["closed_holidays"]
    log = read_ticket_log(quiet.tickets)
    _, cal = _hours_and_calendar()
    found = detect_closed_days(log, holidays=cal.holidays, working_days=cal.working_days)
    assert [d.date().isoformat() for d in found["date"]] == closed_true
    res = _clean_on_calendar(log, quiet, closed_days="auto")
    closed_rows = res.excluded[res.excluded["reason"] == "closed_day"]
    assert len(closed_rows) == facts["stray_rows"]
    assert closed_rows["detail"].str.endswith("tickets that day").all()
    assert len(res.excluded) == facts["stray_rows"]  # nothing else is faulty here
    # Without the check the stray rows stay in: a closed day would look like a quiet one.
    plain = _clean_on_calendar(log, quiet)
    assert len(plain.excluded) == 0


def test_dirty_rows_each_excluded_for_the_known_reason(tmp_path: Path) -> None:
    h = synthetic_history(tmp_path, "dirty", start=START, end=END, seed=4)
    assert h.dirty is not None
    n_clean = h.n_tickets - len(h.dirty)
    assert len(h.dirty) == round(0.02 * n_clean)
    log = read_ticket_log(h.tickets)
    res = _clean_on_calendar(log, h, closed_days="auto")
    ex = res.excluded.set_index("source_row")["reason"]
    want = h.dirty.set_index("source_row")["reason"]
    assert ex.reindex(want.index).tolist() == want.tolist()
    others = ex.drop(want.index)
    assert set(others) <= {"closed_day"}
    assert len(others) == h.truth["SYN-01"]["synthetic"]["stray_rows"]
    ex5 = res.examples()
    assert ex5.groupby("reason").size().max() <= 5
    assert ex5["item_id"].dropna().str.len().max() < 300  # the 5,000-character item id


def test_renamed_export_read_through_the_mapping(tmp_path: Path) -> None:
    h = synthetic_history(tmp_path, "renamed", start="2025-03-03", end="2025-03-16", seed=5)
    header = pd.read_csv(h.tickets, nrows=0).columns.tolist()
    assert "origin_province" in header and "outcome" not in header
    with pytest.raises(DataFormatError, match="missing required column"):
        read_ticket_log(h.tickets)
    cols = dict(RENAMED_COLUMNS)
    log = read_ticket_log(h.tickets, columns=columns_for(cols, "tickets"))
    assert set(log["outcome"].dropna()) <= {"served", "abandoned", "no_show"}
    st = read_staffing(h.staffing, columns=columns_for(cols, "staffing"))
    assert (st["staff_on_duty"] == st["windows_open"]).all()
    cat = read_catalogue(h.catalogue, columns=columns_for(cols, "catalogue"))
    sk = read_staff_skills(h.skills, columns=columns_for(cols, "skills"))
    assert set(sk["family"]) <= set(cat["family"])
    assert clean_ticket_log(log, cat).n_usable == len(log)


def test_gb18030_and_missing_leave_times_read_and_clean(tmp_path: Path) -> None:
    g = synthetic_history(tmp_path / "g", "gb18030", start="2025-03-03", end="2025-03-16", seed=6)
    raw = g.tickets.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    log = read_ticket_log(g.tickets)
    assert read_table(g.tickets)["item_name"].str.contains("事项").all()
    assert clean_ticket_log(log, read_catalogue(g.catalogue)).n_usable == len(log)
    n = synthetic_history(
        tmp_path / "n", "no_leave_times", start="2025-03-03", end="2025-03-16", seed=6
    )
    log = read_ticket_log(n.tickets)
    assert "leave_time" not in log.columns and log["origin"].isna().all()
    res = clean_ticket_log(log, read_catalogue(n.catalogue))
    ab = res.data[res.data["outcome"] == "abandoned"]
    assert len(ab) > 0 and ab["leave_time"].isna().all() and ab["leave_min"].isna().all()


@pytest.mark.slow
def test_cli_reads_a_renamed_export_through_columns(tmp_path: Path) -> None:
    import subprocess
    import sys

    h = synthetic_history(tmp_path / "d", "renamed", start=START, end=END, seed=7)
    mapping = [f"columns.{k}={v}" for k, v in RENAMED_COLUMNS.items()]
    cmd = [
        sys.executable,
        "-c",
        "from calibration.cli import main; main()",
        f"tickets=['{h.tickets}']",
        f"catalogue={h.catalogue}",
        f"skills={h.skills}",
        f"staffing={h.staffing}",
        "gof_n_mc=0",
        "min_rows=100",
        "figures=false",
        "progress=false",
        "name=renamed",
        f"out_dir={tmp_path / 'scn'}",
        f"report_dir={tmp_path / 'rep'}",
        *mapping,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "scn" / "renamed.yaml").exists()
    # Without the mapping the same files are refused with the column named.
    bad = subprocess.run(cmd[: -len(mapping)], capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode == 2 and "centre_id" in bad.stderr


def test_chinese_column_names_in_gb18030(tmp_path: Path) -> None:
    h = synthetic_history(tmp_path, "chinese", start="2025-03-03", end="2025-03-16", seed=13)
    header = h.tickets.read_bytes().split(b"\n")[0].decode("gb18030")
    assert header.startswith("网点编号,排队号")
    log = read_ticket_log(h.tickets, columns=columns_for(CHINESE_COLUMNS, "tickets"))
    cat = read_catalogue(h.catalogue, columns=columns_for(CHINESE_COLUMNS, "catalogue"))
    st = read_staffing(h.staffing, columns=columns_for(CHINESE_COLUMNS, "staffing"))
    sk = read_staff_skills(h.skills, columns=columns_for(CHINESE_COLUMNS, "skills"))
    assert clean_ticket_log(log, cat).n_usable == len(log)
    assert st["windows_open"].max() == 5 and set(sk["level"]) >= {"expert", "novice"}
