"""Where each input of a scenario comes from: published, calibrated or assumed.

The table :data:`PROVENANCE` maps config keys of the scenario tree (``scenarios/``) to
the provenance stated in the project's domain brief: figures from public reports are
*published*; planning defaults used until real data replace them are *assumed*. A
scenario written by calibration is *calibrated* for the keys it fitted. Keys set on the
command line for a run are the *option* under study. Experiment settings (replications,
seed) are not inputs about the world and are listed in the report's "how sure" section.

A scenario may override the table with a top-level ``provenance`` mapping of dotted key
to status (``published`` / ``calibrated`` / ``assumed``), e.g. written by calibration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from simulator.present import i18n

Status = Literal["published", "calibrated", "assumed", "option"]
STATUSES: tuple[Status, ...] = ("published", "calibrated", "assumed", "option")

#: Experiment keys: how a run is made, not what the world is like.
EXPERIMENT_KEYS = frozenset(
    {
        "replications",
        "seed",
        "workers",
        "charts",
        "progress",
        "record_visits",
        "monitor_interval_min",
        "warmup_min",
    }
)


@dataclass(frozen=True)
class Entry:
    """One row of the provenance table.

    Attributes
    ----------
    key : str
        Dotted config key (a prefix: ``catalogue.families`` covers every family).
    status : {"published", "calibrated", "assumed"}
        Default provenance of the value.
    en, zh : str
        What the input is and where the figure comes from.
    """

    key: str
    status: Status
    en: str
    zh: str


PROVENANCE: tuple[Entry, ...] = (
    Entry(
        "catalogue.items_file",
        "published",
        "Service catalogue: 189 items from 12 bureaus (published totals); item names are "
        "published where known, the rest generated",
        "服务目录：12个部门的189个事项（公开数据）；已知事项名称为公开数据，其余为生成",
    ),
    Entry(
        "calendar.start_date",
        "published",
        "Day types from the State Council holiday notices (statutory holidays and adjusted "
        "working days)",
        "日类型来自国务院节假日安排（法定节假日与调休）",
    ),
    Entry(
        "centre.daily_volume",
        "assumed",
        "Walk-ins on a reference weekday; about 200 for an average centre, derived from "
        "12.5 million visits a year over 220 centres (published totals)",
        "参考工作日到访人数；平均中心约200人，由全市每年1250万人次、220个中心（公开数据）推算",
    ),
    Entry(
        "centre.counters",
        "assumed",
        "Physical counters in the hall",
        "大厅柜台数",
    ),
    Entry(
        "catalogue.families",
        "assumed",
        "Service families: share of visits and service time at a proficient window "
        "(lognormal mean and CV, minutes)",
        "服务类别：到访占比与熟练窗口办理时长（对数正态，均值与变异系数，分钟）",
    ),
    Entry(
        "demand.profiles",
        "assumed",
        "Share of a day's walk-ins by hour (weekday, weekend, holiday)",
        "各时段到访占比（工作日、周末、节假日）",
    ),
    Entry(
        "demand.weekday_factors",
        "assumed",
        "Volume by day of week (Mon 1.15 ... Sun 0.25)",
        "星期系数（周一1.15……周日0.25）",
    ),
    Entry(
        "demand.month_factors",
        "assumed",
        "Volume by month",
        "月份系数",
    ),
    Entry(
        "demand.holiday_factor",
        "assumed",
        "Volume on statutory holidays",
        "法定节假日到访系数",
    ),
    Entry(
        "demand.post_holiday_factors",
        "assumed",
        "Extra volume on the first working days after a long holiday",
        "长假后首个工作日的到访增量",
    ),
    Entry(
        "demand.busyness_cv",
        "assumed",
        "Day-to-day variation of volume (gamma busyness factor)",
        "日间到访波动（伽马忙碌系数）",
    ),
    Entry(
        "demand.online_shift",
        "assumed",
        "Share of walk-ins moved online; the platform handles 70-84% of all business "
        "online (published), the walk-ins that remain are what is modelled",
        "转为线上办理的到访比例；全市平台线上办理率70%–84%（公开数据），模型只含剩余的线下到访",
    ),
    Entry(
        "demand.p_return_visit",
        "assumed",
        "Services ending with the resident turned back for missing documents (8%)",
        "因材料不全需再次到访的比例（8%）",
    ),
    Entry(
        "impatience.balking",
        "assumed",
        "Residents leaving on arrival when the queue is long",
        "排队过长时到达即离开",
    ),
    Entry(
        "impatience.reneging",
        "assumed",
        "Patience while waiting (lognormal, median 60 min)",
        "等候耐心（对数正态，中位数60分钟）",
    ),
    Entry(
        "calendar.hours",
        "assumed",
        "Opening hours by day type (a published 2022 example: weekdays 08:30-12:00 and "
        "13:00-16:30)",
        "各日类型开放时间（公开示例，2022年：工作日08:30–12:00、13:00–16:30）",
    ),
    Entry(
        "layout",
        "assumed",
        "Windows open and what they accept; the reference centre opens 5 (tuned so an "
        "average centre shows real queueing)",
        "开放窗口及受理范围；参考中心开放5个窗口（为体现真实排队而设定）",
    ),
    Entry(
        "staffing.staff",
        "assumed",
        "Staff and their skills (40% all families, 45% two in a chain, 15% one)",
        "工作人员及技能（40%全能、45%两类链式、15%单类）",
    ),
    Entry(
        "staffing.skill_multipliers",
        "assumed",
        "Service-time multiplier by skill (new staff about 30% slower)",
        "按技能的办理时长系数（新员工约慢30%）",
    ),
    Entry(
        "staffing.plan",
        "assumed",
        "Staffing plan: staggered lunch at half the windows, 60% of windows on weekends",
        "排班：午间半数窗口轮休，周末开放60%窗口",
    ),
    Entry(
        "cross_province.availability_file",
        "assumed",
        "Which cross-province items each province offers; the counts are published "
        "(21 items: Shanghai 20, Zhejiang 11, Jiangsu 9, Anhui 7), the item lists assumed",
        "各省可办的跨省事项；数量为公开数据（21项：上海20、浙江11、江苏9、安徽7），具体事项为假设",
    ),
    Entry(
        "cross_province.provinces",
        "assumed",
        "Round-trip delays, failures and outages of the home provinces' systems",
        "各省系统往返时延、失败率与中断",
    ),
    Entry(
        "back_office",
        "assumed",
        "Back-office clerks per bureau, working hours and work content",
        "各部门后台人员、工作时间与工作量",
    ),
    Entry(
        "target_wait_min",
        "assumed",
        "Target wait for the service level (planning target: 90% within 20 min)",
        "服务水平的目标等候时间（规划目标：90%在20分钟内）",
    ),
)


@dataclass(frozen=True)
class ProvenanceRow:
    """A resolved row: the key, its value in this scenario, status and note."""

    key: str
    value: str
    status: Status
    note: str


def flatten(cfg: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested mappings to dotted keys (lists are kept as values)."""
    out: dict[str, Any] = {}
    for k, v in cfg.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, Mapping) and v:
            out.update(flatten(v, key))
        else:
            out[key] = v
    return out


def lookup(cfg: Mapping[str, Any], key: str) -> Any:
    """The value at dotted ``key`` of nested mappings, None when a part is missing."""
    node: Any = cfg
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def config_word(text: str, lang: str) -> str:
    """A config key or word value in ``lang``: English puts words for keys
    (``lunch_open_share`` -> "lunch open share"); another language takes the catalogue's
    ``config_words`` (then its ``names``: day types), and leaves what it does not know
    (names from the user's own config: families, groups, bureaus) as written."""
    if lang == "en":
        return text.replace("_", " ")
    cat = i18n.catalogue(lang)
    words = cat.get("config_words") or {}
    if text in words:
        return str(words[text])
    return str((cat.get("names") or {}).get(text, text))


def config_value(text: str, lang: str) -> str:
    """A word value of the config (a distribution's name, a day type) in ``lang``: as
    written in English, :func:`config_word` in another language."""
    return text if lang == "en" else config_word(text, lang)


def _plain(value: Any, depth: int = 0, lang: str = "en") -> str:
    def msg(key: str, **fields: Any) -> str:
        return i18n.message("report", key, lang, **fields)

    if isinstance(value, bool):
        return msg("cfg_yes" if value else "cfg_no")
    if isinstance(value, str):
        return config_value(value, lang)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Mapping):
        items = [
            msg("cfg_pair", k=config_word(str(k), lang), v=_plain(v, depth + 1, lang))
            for k, v in value.items()
        ]
        text = msg("cfg_sep" if depth == 0 else "cfg_sep_inner").join(items)
        return text if depth == 0 else msg("cfg_group", text=text)
    if isinstance(value, list | tuple):
        return msg("cfg_sep_inner").join(_plain(v, depth + 1, lang) for v in value)
    return str(value)


def short_value(value: Any, limit: int = 120, lang: str = "en") -> str:
    """A config value as plain text, cut at ``limit`` characters: mappings as
    ``key: value; key: value`` with words for keys (``lunch open share: 0.5``), lists
    comma-separated; never JSON syntax. In Chinese the keys and words the catalogue
    knows are in Chinese (``午间开放比例：0.5``), names from the config as written."""
    if value is None:
        return "-"
    text = _plain(value, lang=lang)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def override_items(overrides: Sequence[str]) -> list[tuple[str, str]]:
    """(key, value) of Hydra overrides (``a.b=3``, ``+x=1``, ``layout=x``), without the
    ``+``/``~`` prefix; ``hydra.*`` and experiment keys excluded."""
    items = []
    for ov in overrides:
        if "=" not in ov:
            continue
        key, value = ov.split("=", 1)
        key = key.lstrip("+~")
        if key.startswith("hydra") or key in EXPERIMENT_KEYS:
            continue
        items.append((key, value))
    return items


def override_keys(overrides: Sequence[str]) -> list[str]:
    """Config keys set by Hydra overrides (``a.b=3``, ``layout=x``), experiment keys excluded."""
    return [key for key, _value in override_items(overrides)]


def provenance_rows(
    cfg: Mapping[str, Any],
    lang: str = "en",
    option_keys: Sequence[str] = (),
    calibrated: bool = False,
) -> list[ProvenanceRow]:
    """Resolve :data:`PROVENANCE` against a resolved scenario config.

    Parameters
    ----------
    cfg : mapping
        Resolved config (``.hydra/config.yaml`` of a run).
    lang : {"en", "zh"}
        Language of the notes.
    option_keys : sequence of str
        Keys that differ between the options compared (or were set on the command
        line): marked ``option``.
    calibrated : bool
        The scenario was written by calibration: assumed demand, service and
        impatience inputs become ``calibrated`` (unless the scenario's own
        ``provenance`` mapping says otherwise).

    Returns
    -------
    list of ProvenanceRow
        One row per table entry present in the config, plus one per option key not
        covered by an entry.
    """
    declared_raw = cfg.get("provenance")
    declared = (
        {str(k): str(v) for k, v in declared_raw.items()}
        if isinstance(declared_raw, Mapping)
        else {}
    )
    fitted_prefixes = ("centre.daily_volume", "catalogue.families", "demand", "impatience")
    rows: list[ProvenanceRow] = []
    covered: set[str] = set()
    for e in PROVENANCE:
        value = lookup(cfg, e.key)
        if value is None and e.key not in ("calendar.start_date",):
            continue
        status: Status = e.status
        if calibrated and status == "assumed" and e.key.startswith(fitted_prefixes):
            status = "calibrated"
        for k, v in declared.items():
            if (k == e.key or e.key.startswith(k + ".") or k.startswith(e.key + ".")) and (
                v in STATUSES
            ):
                status = next(x for x in STATUSES if x == v)
        if any(
            k == e.key
            or k.startswith(e.key + ".")
            or e.key.startswith(k + ".")
            or e.key == k.split(".")[0]
            for k in option_keys
        ):
            status = "option"
        covered.add(e.key)
        note = e.zh if lang == "zh" else e.en
        rows.append(ProvenanceRow(e.key, short_value(value, lang=lang), status, note))
    for k in option_keys:
        if any(k == c or k.startswith(c + ".") for c in covered):
            continue
        note = "设定为比较方案" if lang == "zh" else "Set for the options compared"
        rows.append(ProvenanceRow(k, short_value(lookup(cfg, k), lang=lang), "option", note))
    return rows
