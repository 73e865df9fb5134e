"""Readers: encodings, formats, time zones and error messages."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from calibration.io import (
    DataFormatError,
    read_catalogue,
    read_staff_skills,
    read_staffing,
    read_ticket_log,
    read_volumes,
)

HEADER = (
    "centre_id,ticket_id,item_id,ticket_time,call_time,service_start,service_end,"
    "window_id,staff_id,outcome,origin\n"
)
ROWS = (
    "徐汇-01,A001,居住证,2023-03-01T08:31:05,2023-03-01T08:40:00,2023-03-01T08:40:30,"
    "2023-03-01T08:47:30,窗口1,张三,served,shanghai\n"
    "徐汇-01,A002,社保卡,2023-03-01T00:35:00Z,,,,,,abandoned,jiangsu\n"
    "徐汇-01,A003,社保卡,2023-03-01T09:35:00+08:00,,,,,,Abandoned,\n"
    "徐汇-01,A004,社保卡,2023-03-01 25:99,,,,,,abandoned,\n"
)


def _write(tmp_path: Path, name: str, text: str, encoding: str) -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8", "utf-8-sig"])
def test_ticket_log_encodings_auto_detected(tmp_path: Path, encoding: str) -> None:
    p = _write(tmp_path, "log.csv", HEADER + ROWS, encoding)
    df = read_ticket_log(p)
    assert len(df) == 4
    assert df["centre_id"].iloc[0] == "徐汇-01"
    assert df["item_id"].tolist() == ["居住证", "社保卡", "社保卡", "社保卡"]
    assert df["staff_id"].iloc[0] == "张三"
    assert df["source_row"].tolist() == [1, 2, 3, 4]
    assert df.attrs["source"] == str(p)


def test_gb18030_explicit_encoding_and_wrong_encoding(tmp_path: Path) -> None:
    p = _write(tmp_path, "log.csv", HEADER + ROWS, "gb18030")
    assert read_ticket_log(p, encoding="gb18030")["item_id"].iloc[0] == "居住证"
    with pytest.raises(DataFormatError, match=r"log\.csv.*cannot decode as utf-8"):
        read_ticket_log(p, encoding="utf-8")


def test_time_zones_and_unparseable(tmp_path: Path) -> None:
    df = read_ticket_log(_write(tmp_path, "log.csv", HEADER + ROWS, "utf-8"))
    t = df["ticket_time"]
    assert t.dtype == "datetime64[ns]"
    assert t.iloc[0] == pd.Timestamp("2023-03-01 08:31:05")  # naive = Shanghai
    assert t.iloc[1] == pd.Timestamp("2023-03-01 08:35:00")  # 00:35 UTC = 08:35 Shanghai
    assert t.iloc[2] == pd.Timestamp("2023-03-01 09:35:00")  # +08:00 unchanged
    assert pd.isna(t.iloc[3])
    assert df["parse_errors"].iloc[3] == "ticket_time"
    assert df["parse_errors"].iloc[:3].isna().all()
    assert df["outcome"].iloc[2] == "abandoned"  # lower-cased
    assert pd.isna(df["origin"].iloc[2])
    assert pd.isna(df["call_time"].iloc[1])


def test_missing_column_names_file_and_column(tmp_path: Path) -> None:
    text = HEADER.replace(",staff_id", "") + "C,A1,I,2023-01-01T09:00,,,,W,abandoned,\n"
    p = _write(tmp_path, "bad.csv", text, "utf-8")
    with pytest.raises(DataFormatError, match=r"bad\.csv.*column 'staff_id'") as e:
        read_ticket_log(p)
    assert e.value.column == "staff_id"


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="file not found"):
        read_ticket_log(tmp_path / "nope.csv")
    p = tmp_path / "junk.parquet"
    p.write_bytes(b"not parquet at all")
    with pytest.raises(DataFormatError, match=r"junk\.parquet.*unreadable Parquet"):
        read_ticket_log(p)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(DataFormatError, match=r"empty\.csv.*unreadable CSV"):
        read_ticket_log(empty)


def test_parquet_with_aware_and_naive_timestamps(tmp_path: Path) -> None:
    csv = read_ticket_log(_write(tmp_path, "log.csv", HEADER + ROWS, "utf-8"))
    raw = csv.drop(columns=["source_row", "parse_errors"]).iloc[:3].copy()
    raw["ticket_time"] = raw["ticket_time"].dt.tz_localize("Asia/Shanghai").dt.tz_convert("UTC")
    p = tmp_path / "log.parquet"
    raw.to_parquet(p)
    df = read_ticket_log(p)
    pd.testing.assert_series_equal(df["ticket_time"], csv["ticket_time"].iloc[:3])
    assert df["service_end"].iloc[0] == pd.Timestamp("2023-03-01 08:47:30")


def test_read_volumes(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "vol.csv",
        "centre_id,date,visits,hour\nC1,2023-01-03,12,9\nC1,2023-01-03,20,10\n",
        "utf-8",
    )
    df = read_volumes(p)
    assert df["visits"].tolist() == [12, 20]
    assert df["visits"].dtype == "int64"
    assert df["date"].iloc[0] == pd.Timestamp("2023-01-03")
    assert df["hour"].tolist() == [9, 10]
    bad = _write(
        tmp_path,
        "vol2.csv",
        "centre_id,date,visits\nC1,2023-01-03,12\nC1,2023-01-04,many\n",
        "utf-8",
    )
    with pytest.raises(DataFormatError, match=r"vol2\.csv.*column 'visits'.*row 2.*'many'"):
        read_volumes(bad)
    with pytest.raises(DataFormatError, match="column 'date'"):
        read_volumes(_write(tmp_path, "v3.csv", "centre_id,visits\nC1,3\n", "utf-8"))


def test_read_staffing_skills_catalogue(tmp_path: Path) -> None:
    st = read_staffing(
        _write(
            tmp_path,
            "st.csv",
            "centre_id,date,start,end,windows_open,staff_on_duty\nC1,2023-01-03,08:30,17:00,8,10\n",
            "utf-8",
        )
    )
    assert st[["start", "end", "windows_open", "staff_on_duty"]].iloc[0].tolist() == [
        "08:30",
        "17:00",
        8,
        10,
    ]
    with pytest.raises(DataFormatError, match=r"column 'start'.*row 1"):
        read_staffing(
            _write(
                tmp_path,
                "st2.csv",
                "centre_id,date,start,end,windows_open,"
                "staff_on_duty\nC1,2023-01-03,8h30,17:00,8,10\n",
                "utf-8",
            )
        )
    sk = read_staff_skills(
        _write(tmp_path, "sk.csv", "staff_id,family,level\n张三,quick,Expert\n", "gb18030")
    )
    assert sk["level"].tolist() == ["expert"]
    with pytest.raises(DataFormatError, match=r"column 'level'.*row 2"):
        read_staff_skills(
            _write(
                tmp_path,
                "sk2.csv",
                "staff_id,family,level\nA,quick,novice\nB,quick,guru\n",
                "utf-8",
            )
        )
    cat = read_catalogue(
        _write(tmp_path, "cat.csv", "item_id,family\nI1,quick\nI2,standard\n", "utf-8")
    )
    assert cat["family"].tolist() == ["quick", "standard"]
    with pytest.raises(DataFormatError, match="more than one family"):
        read_catalogue(
            _write(tmp_path, "cat2.csv", "item_id,family\nI1,quick\nI1,standard\n", "utf-8")
        )
