"""The service items of a scenario: from a catalogue file or one per family.

:func:`read_items` collects every problem of ``catalogue`` (file missing, empty, not
UTF-8 nor GB18030, header only, a bad row, family shares that do not sum to 1, a family
with a share but no item) into the scenario's problem list, each naming the key or the
file and line.
"""

from __future__ import annotations

import io
import math
import stat
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.config.parse import Problems, flag, mapping, num, setting
from simulator.config.safety import identifier_problem

__all__ = ["ITEM_COLUMNS", "SHARE_TOLERANCE", "Item", "read_items", "read_text"]

# Columns of a catalogue file (``catalogue.items_file``); ``name_zh`` may be absent.
ITEM_COLUMNS = (
    "item_id",
    "name_en",
    "name_zh",
    "bureau",
    "family",
    "weight",
    "source",
    "cross_province",
    "back_office",
)

#: Family shares must sum to 1 within this (calibrated shares are rounded to 4 digits).
SHARE_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Item:
    """A service item of the catalogue."""

    id: str
    name: str
    bureau: str
    family: str
    weight: float
    source: str = "generated"
    cross_province: bool = False
    back_office: bool = False


def _scenarios_root() -> Path:
    import scenarios

    return Path(scenarios.__file__).resolve().parent


def read_text(path: Path, key: str, problems: Problems) -> str | None:
    """The text of a data file: UTF-8 (with or without BOM), else GB18030; None (and a
    problem naming ``key`` and the file) when it is neither."""
    data = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    problems.add(key, f"{path}: not a text file in UTF-8 or GB18030")
    return None


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes")


#: Parsed catalogue files, keyed on (path, modification time, size, families): a city
#: builds hundreds of scenarios from the same file, and parsing it cost two thirds of a
#: scenario build. Values are immutable (a tuple of frozen :class:`Item` and the tuple of
#: problems found), so no caller can alter what the next one reads.
_FILE_CACHE: OrderedDict[tuple[str, int, int, tuple[str, ...]], _Parsed] = OrderedDict()
_FILE_CACHE_SIZE = 32
_FILE_CACHE_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Parsed:
    items: tuple[Item, ...] | None
    problems: tuple[str, ...]


def _from_file(items_file: Any, families: Sequence[str], problems: Problems) -> list[Item] | None:
    key = "catalogue.items_file"
    if isinstance(items_file, Mapping | list):
        problems.add(key, f"expected a file path, got {items_file!r}")
        return None
    path = Path(str(items_file))
    if not path.is_absolute():
        path = _scenarios_root() / path
    try:
        st = path.stat()
    except OSError:
        st = None
    if st is None or not stat.S_ISREG(st.st_mode):
        problems.add(key, f"file not found: {path}")
        return None
    cache_key = (str(path), st.st_mtime_ns, st.st_size, tuple(str(f) for f in families))
    with _FILE_CACHE_LOCK:
        parsed = _FILE_CACHE.get(cache_key)
        if parsed is not None:
            _FILE_CACHE.move_to_end(cache_key)
    if parsed is None:
        found = Problems()
        read = _parse_file(path, key, families, found)
        parsed = _Parsed(tuple(read) if read is not None else None, tuple(found.items))
        with _FILE_CACHE_LOCK:
            _FILE_CACHE[cache_key] = parsed
            while len(_FILE_CACHE) > _FILE_CACHE_SIZE:
                _FILE_CACHE.popitem(last=False)
    problems.items.extend(parsed.problems)
    return list(parsed.items) if parsed.items is not None else None


def _parse_file(
    path: Path, key: str, families: Sequence[str], problems: Problems
) -> list[Item] | None:
    """The items of the catalogue file at ``path`` (every problem into ``problems``)."""
    text = read_text(path, key, problems)
    if text is None:
        return None
    if not text.strip():
        problems.add(key, f"{path}: the file is empty; expected a header {list(ITEM_COLUMNS)}")
        return None
    import pandas as pd

    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    missing = [c for c in ITEM_COLUMNS if c != "name_zh" and c not in frame.columns]
    if missing:
        problems.add(key, f"{path}: missing columns {missing}")
        return None
    if frame.empty:
        problems.add(key, f"{path}: the file has a header but no items")
        return None
    items: list[Item] = []
    seen: set[str] = set()
    for row_no, row in enumerate(frame.itertuples(index=False), start=2):
        where = f"{key} ({path.name} line {row_no}, item {row.item_id})"
        for col in ("item_id", "family", "bureau"):
            bad = identifier_problem(getattr(row, col))
            if bad is not None:
                problems.add(where, f"{col}: {bad}")
        if row.item_id in seen:
            problems.add(where, "duplicate item_id")
        seen.add(str(row.item_id))
        if row.family not in families:
            problems.add(where, f"unknown family {row.family!r}; known: {list(families)}")
        try:
            weight = float(str(row.weight))
        except ValueError:
            weight = math.nan
        if not (math.isfinite(weight) and weight >= 0):
            problems.add(where, f"weight must be a finite number >= 0, got {row.weight!r}")
        items.append(
            Item(
                id=str(row.item_id),
                name=str(row.name_en),
                bureau=str(row.bureau),
                family=str(row.family),
                weight=weight,
                source=str(row.source),
                cross_province=_truthy(row.cross_province),
                back_office=_truthy(row.back_office),
            )
        )
    return items


def _check_shares(fams: Mapping[str, Any], families: Sequence[str], problems: Problems) -> None:
    """Family shares, when given, must all be given and sum to 1."""
    given = [f for f in families if isinstance(fams.get(f), Mapping) and "share" in fams[f]]
    if not given:
        return
    for f in families:
        if f not in given:
            problems.add(f"catalogue.families.{f}.share", "missing (the other families have one)")
    shares = [fams[f]["share"] for f in given]
    if all(isinstance(s, int | float) and not isinstance(s, bool) for s in shares) and len(
        given
    ) == len(families):
        total = float(sum(shares))
        if math.isfinite(total) and abs(total - 1.0) > SHARE_TOLERANCE:
            problems.add(
                "catalogue.families",
                f"the families' shares must sum to 1, they sum to {total:.6g}",
            )


def read_items(cat: Mapping[str, Any], families: Sequence[str], problems: Problems) -> list[Item]:
    """The catalogue's items, every problem recorded in ``problems``."""
    items_file = cat.get("items_file")
    weights_override = cat.get("item_weights") or {}
    fams = mapping(cat.get("families"), "catalogue.families", problems)
    n_before = len(problems.items)
    for name in families:
        bad = identifier_problem(name)
        if bad is not None:
            problems.add(f"catalogue.families.{name}", bad)
    _check_shares(fams, families, problems)
    items: list[Item] = []
    if items_file is None:
        # One item per family, named after it, weighted by the family share.
        for name in families:
            fam = fams.get(name) or {}
            fpath = f"catalogue.families.{name}"
            items.append(
                Item(
                    id=name,
                    name=name,
                    bureau=str(setting(fam, "bureau", fpath, name)),
                    family=name,
                    weight=num(fam, "share", fpath, problems, low=0.0),
                    cross_province=flag(fam, "cross_province", fpath, problems),
                    back_office=flag(fam, "back_office", fpath, problems),
                )
            )
    else:
        read = _from_file(items_file, families, problems)
        if read is None:
            return []
        items = read
        if len(problems.items) > n_before:
            return items  # weights are not rescaled from rows that failed
        if any("share" in (fams.get(f) or {}) for f in families):
            # Rescale item weights so each family gets its configured share of visits.
            totals: dict[str, float] = {}
            for it in items:
                totals[it.family] = totals.get(it.family, 0.0) + it.weight
            shares = {
                f: num(fams.get(f) or {}, "share", f"catalogue.families.{f}", problems, low=0.0)
                for f in families
            }
            for f, share in shares.items():
                if share > 0 and not totals.get(f):
                    problems.add(
                        f"catalogue.families.{f}.share",
                        f"share {share:g} but the items file has no item of family {f!r} "
                        "with a weight > 0: nobody would come for it",
                    )
            items = [
                Item(
                    **{
                        **it.__dict__,
                        "weight": it.weight / totals[it.family] * shares[it.family]
                        if totals.get(it.family)
                        else 0.0,
                    }
                )
                for it in items
            ]
    known = {it.id for it in items}
    override = mapping(weights_override, "catalogue.item_weights", problems)
    for item_id, w in override.items():
        if str(item_id) not in known:
            problems.add(f"catalogue.item_weights.{item_id}", "unknown item id")
        elif isinstance(w, bool) or not isinstance(w, int | float) or not w >= 0:
            problems.add(f"catalogue.item_weights.{item_id}", f"expected a weight >= 0, got {w!r}")
    if override and len(problems.items) == n_before:
        items = [Item(**{**it.__dict__, "weight": float(override.get(it.id, 0.0))}) for it in items]
    if items and len(problems.items) == n_before and not sum(it.weight for it in items) > 0:
        problems.add("catalogue", "item weights sum to zero: no demand")
    return items
