"""Plain names for options, layouts and targets, so that headlines carry no config codes.

A run made with ``layout=six_comprehensive`` is called "6 comprehensive windows"; an
option of the recommender coded ``C5+Q0 L50 tiered`` is "5 comprehensive windows, no
quick desk, half open at lunch, tiered staff"; a target ``day service_level >= 0.9`` is
"at least 90% of arrivals served within 20 min". The codes stay available for
footnotes (the report lists them under "Result folders").
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from simulator.analysis import metrics
from simulator.present import i18n, style

__all__ = [
    "day_hour_text",
    "group_name",
    "group_text",
    "hour_days",
    "hour_text",
    "kpi_words",
    "layout_text",
    "lunch_text",
    "missed_text",
    "mix_text",
    "option_text",
    "override_text",
    "plan_days",
    "plan_time",
    "retraining_text",
    "target_text",
    "tolerance_text",
    "verdict_text",
    "when_text",
    "window_groups",
    "zone_text",
]

#: Window groups of the shipped layouts, in words (singular, plural).
_GROUPS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "comprehensive": ("comprehensive window", "comprehensive windows"),
        "quick_desk": ("quick desk", "quick desks"),
        "yrd": ("cross-province window", "cross-province windows"),
        "cross_province": ("cross-province window", "cross-province windows"),
    },
    "zh": {
        "comprehensive": ("个综合窗口", "个综合窗口"),
        "quick_desk": ("个快办窗口", "个快办窗口"),
        "yrd": ("个跨省通办窗口", "个跨省通办窗口"),
        "cross_province": ("个跨省通办窗口", "个跨省通办窗口"),
    },
}
_MIXES = {
    "en": {"keep": "current staff", "tiered": "tiered staff", "all_round": "all-round staff"},
    "zh": {"keep": "现有人员", "tiered": "分级人员", "all_round": "全能人员"},
}


def _words(key: str) -> str:
    return key.replace("_", " ").replace(".", " ").strip()


def group_name(group: str, lang: str = "en", spec: Any = None) -> str:
    """A window group's name in words, plural: "comprehensive windows", "综合窗口";
    ``spec`` (the group's ``layout.windows`` entry) names calibrated groups by kind and
    families ("dedicated consultation/quick windows")."""
    words = _GROUPS[lang].get(group) or _spec_words(spec, lang)
    if lang == "zh":
        return (words or (f"个{_words(group)}窗口",))[0].removeprefix("个")
    return (words or ("", f"{_words(group)} windows"))[1]


def _spec_words(spec: Any, lang: str) -> tuple[str, str] | None:
    """(singular, plural) of a window group from its config (``kind``, ``families``):
    a dedicated group serving consultation and quick is "dedicated consultation/quick
    window"; None when the config does not say."""
    if not isinstance(spec, Mapping):
        return None
    fams = spec.get("families")
    kind = str(spec.get("kind", ""))
    if not isinstance(fams, (list, tuple)) or not fams or kind == "comprehensive":
        return None
    fam_txt = "/".join(_words(str(f)) for f in fams)
    if lang == "zh":
        return (f"个{fam_txt}专办窗口", f"个{fam_txt}专办窗口")
    kind_txt = f"{_words(kind)} " if kind else ""
    return (f"{kind_txt}{fam_txt} window", f"{kind_txt}{fam_txt} windows")


def group_text(group: str, count: int, lang: str = "en", spec: Any = None) -> str:
    """``"5 comprehensive windows"``, ``"no quick desk"``, ``"1 quick desk"``; ``spec``
    (the group's ``layout.windows`` entry) names groups the shipped layouts do not have,
    e.g. "1 dedicated consultation/quick window"."""
    default = (f"{_words(group)} window", f"{_words(group)} windows")
    if lang == "zh":
        default = (f"个{_words(group)}窗口", f"个{_words(group)}窗口")
    one, many = _GROUPS[lang].get(group) or _spec_words(spec, lang) or default
    if lang == "zh":
        zh_name = one
        return f"{count}{zh_name}" if count else f"无{zh_name.removeprefix('个')}"
    if count == 0:
        return f"no {one}"
    return f"{count} {one if count == 1 else many}"


def _join(parts: Iterable[str], lang: str) -> str:
    items = [p for p in parts if p]
    if lang == "zh":
        return "、".join(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def window_groups(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """The window groups (``layout.windows``) of a scenario config, by name; empty when
    the config has none."""
    layout = config.get("layout")
    groups = layout.get("windows") if isinstance(layout, Mapping) else None
    return groups if isinstance(groups, Mapping) else {}


def layout_text(config: Mapping[str, Any], lang: str = "en") -> str | None:
    """The window groups of a resolved config in words, or None without a layout."""
    groups = window_groups(config)
    if not groups:
        return None
    parts = []
    for name, g in groups.items():
        try:
            count = int((g or {}).get("count", 1))
        except (AttributeError, TypeError, ValueError):
            return None
        parts.append(group_text(str(name), count, lang))
    return _join(parts, lang)


def override_text(key: str, value: str, config: Mapping[str, Any], lang: str = "en") -> str:
    """One command-line override in words: layout choices and window counts become the
    layout (in ``lang``), other keys their last part ("daily volume 1300"); in Chinese
    the catalogue's word for a key it knows ("日均到访量：1300"), the key as written
    otherwise."""
    if key == "layout" or key.startswith("layout."):
        text = layout_text(config, lang)
        if text:
            return text
    if lang != "en":  # the catalogue's word for the key when it has one, else the key
        words = i18n.catalogue(lang).get("config_words") or {}
        last = key.split(".")[-1]
        return i18n.message(
            "report", "override_words", lang, k=words.get(last, last), v=words.get(value, value)
        )
    if key in ("staffing", "layout", "demand", "calendar") or "." not in key:
        return f"{_words(key)} {_words(value)}"
    return f"{_words(key.split('.')[-1])} {value}"


def lunch_text(share: float, lang: str = "en") -> str:
    """Share of windows open over lunch in words."""
    if not math.isfinite(share):
        return ""
    if lang == "zh":
        return "午间全部开放" if share >= 1 else ("午间关闭" if share <= 0 else
                                            f"午间开放{style.fmt_pct(share)}")  # fmt: skip
    if share >= 1:
        return "all open at lunch"
    if share <= 0:
        return "closed at lunch"
    if abs(share - 0.5) < 1e-9:
        return "half open at lunch"
    return f"{style.fmt_pct(share)} open at lunch"


def mix_text(mix: str, lang: str = "en") -> str:
    """A skill mix (roster recipe) in words."""
    return _MIXES[lang].get(mix, _words(mix) + (" staff" if lang == "en" else ""))


_CODE = re.compile(r"^(?P<groups>[^\s]+)(?:\s+L(?P<lunch>\d+))?(?:\s+(?P<mix>\S+))?$")


def option_text(code: str, groups: Iterable[str] | Mapping[str, Any] = (), lang: str = "en") -> str:
    """A recommender option code in words, e.g. ``C5+Q0 L50 tiered`` ->
    "5 comprehensive windows, no quick desk, half open at lunch, tiered staff".

    ``groups`` are the window group names of the scenario (the code abbreviates each to
    its first letter when that is unique); the shipped names are known without them.
    A mapping (the scenario's ``layout.windows``) also gives each group's kind and
    families, so that calibrated groups read "1 dedicated consultation/quick window".
    Codes that do not parse are returned as they are.
    """
    m = _CODE.match(code.strip())
    if not m:
        return code
    specs: Mapping[str, Any] = groups if isinstance(groups, Mapping) else {}
    names = [*groups, *_GROUPS["en"]]
    by_letter: dict[str, str] = {}
    for n in names:
        by_letter.setdefault(n[0].upper(), n)
    parts = []
    for part in m.group("groups").split("+"):
        pm = re.fullmatch(r"([A-Za-z_]+?)(\d+)", part)
        if not pm:
            return code
        abbrev, count = pm.group(1), int(pm.group(2))
        group = by_letter.get(abbrev, abbrev) if len(abbrev) == 1 else abbrev
        parts.append(group_text(group, count, lang, specs.get(group)))
    if m.group("lunch") is not None:
        parts.append(lunch_text(int(m.group("lunch")) / 100.0, lang))
    if m.group("mix"):
        parts.append(mix_text(m.group("mix"), lang))
    return ("，" if lang == "zh" else ", ").join(p for p in parts if p)


_TARGET = re.compile(r"^(?P<scope>day|hour)\s+(?P<kpi>\w+)\s*(?P<sense>>=|<=)\s*(?P<value>\S+)$")


def _value_text(kpi: str, value: float, lang: str = "en") -> str:
    m = metrics.metric(kpi)
    if m.kind == "share":
        return style.fmt_pct(value)
    if m.kind == "minutes":
        return f"{style.fmt_num(value)}分钟" if lang == "zh" else f"{style.fmt_num(value)} min"
    return style.fmt_num(value)


def target_text(label: str, target_wait_min: float | None = 20.0, lang: str = "en") -> str:
    """A target label of the recommender in words, e.g. ``day service_level >= 0.9`` ->
    "at least 90% of arrivals served within 20 min (whole day)". Unparsed labels are
    returned as they are."""
    m = _TARGET.match(label.strip())
    if not m:
        return label
    kpi, value = m.group("kpi"), float(m.group("value"))
    at_least = m.group("sense") == ">="
    v = _value_text(kpi, value, lang)

    def words(key: str, **fields: Any) -> str:
        return i18n.message("target", key, lang, **fields)

    bound = words("at_least" if at_least else "at_most")
    scope = words("scope_hour" if m.group("scope") == "hour" else "scope_day")
    if kpi == "service_level":
        if target_wait_min is None:
            within = words("within_target")
        else:
            within = words("within_min", t=style.fmt_num(target_wait_min))
        return words("service_level", bound=bound, v=v, within=within, scope=scope)
    return words("other", kpi=metrics.label(kpi, lang), bound=bound, v=v, scope=scope)


def tolerance_text(
    kpi: str, tol: float, target_wait_min: float | None = 20.0, lang: str = "en"
) -> str:
    """A target tolerance in words: ``service_level ±0.01`` -> "share of arrivals served
    within 20 min, ±1 point" ("20分钟内获服务的到访居民比例±1个百分点")."""
    m = metrics.metric(kpi)
    name = kpi_words(kpi, target_wait_min, lang) if kpi == "service_level" else (
        metrics.label(kpi, "zh") if lang == "zh" else m.en)  # fmt: skip
    if m.kind == "share":
        pts = style.fmt_num(100 * tol)
        if lang == "zh":
            return f"{name}±{pts}个百分点"
        return f"{name}, ±{pts} point" + ("" if pts == "1" else "s")
    if lang == "zh":
        return f"{name}±{_value_text(kpi, tol, lang)}"
    return f"{name}, ±{_value_text(kpi, tol)}"


def kpi_words(kpi: str, target_wait_min: float | None = 20.0, lang: str = "en") -> str:
    """A KPI's name in words; the service level names its target wait."""
    if kpi == "service_level":
        t = None if target_wait_min is None else style.fmt_num(target_wait_min)
        if lang == "zh":
            return f"{t}分钟内获服务的到访居民比例" if t else "目标等候时间内获服务的到访居民比例"
        return f"share of arrivals served within {f'{t} min' if t else 'the target wait'}"
    return metrics.label(kpi, lang)


def zone_text(kpi: str, tol: float, target_wait_min: float | None = 20.0, lang: str = "en") -> str:
    """An indifference zone (a tolerance on ``kpi``) in words: ``service_level 0.01`` ->
    "1 percentage point of the share of arrivals served within 20 min"."""
    name = kpi_words(kpi, target_wait_min, lang)
    if metrics.metric(kpi).kind == "share":
        pts = style.fmt_num(100 * tol)
        if lang == "zh":
            return f"{name}的{pts}个百分点"
        return f"{pts} percentage point{'' if pts == '1' else 's'} of the {name}"
    value = _value_text(kpi, tol, lang)
    return f"{name}的{value}" if lang == "zh" else f"{value} of the {name}"


def retraining_text(mix: str | None, lang: str = "en", *, short: bool = False) -> str:
    """What a skill mix assumes, in one sentence (a clause for headlines with ``short``);
    empty for ``keep`` (the current staff).

    Every other mix replaces the roster with a recipe of skills, so it assumes the staff
    are retrained (or hired) to it."""
    if not mix or mix == "keep":
        return ""
    if short:
        if lang == "zh":
            return "以全员培训为全能人员为前提" if mix == "all_round" else "以人员培训为前提"
        if mix == "all_round":
            return "assumes every staff member is retrained as all-round"
        return f"assumes staff retrained to the {_words(mix)} skill mix"
    if mix == "all_round":
        if lang == "zh":
            return "此方案以人员培训为前提：全体人员（含新人）均熟练办理所有事项。"
        return (
            "This assumes retraining: every staff member, new staff included, proficient "
            "in every service (all-round)."
        )
    if lang == "zh":
        return f"此方案以人员培训为前提：按“{mix_text(mix, 'zh')}”配置重新培训人员。"
    return f"This assumes retraining: the staff retrained to the {_words(mix)} skill mix."


_VERDICTS = {
    "en": {"yes": "yes", "within": "within tolerance", "no": "no", "missed": "missed in"},
    "zh": {"yes": "是", "within": "在容差内", "no": "否", "missed": "未达标时段"},
}


def verdict_text(meets: str, lang: str = "en", target_wait_min: float | None = 20.0) -> str:
    """The recommender's verdict on a target in words: "yes", "within tolerance", or
    "no: service_level weekday 10:00, ..." -> "no (missed in weekday 10:00, ...)" with
    the KPI named when the missed hours are of different KPIs."""
    words = _VERDICTS[lang]
    if meets == "yes":
        return words["yes"]
    if meets.startswith("within"):
        return words["within"]
    if not meets.startswith("no"):
        return meets
    where = missed_text(meets.partition(":")[2], lang, target_wait_min)
    if not where:
        return words["no"]
    return f"{words['no']}（{where}）" if lang == "zh" else f"{words['no']} ({where})"


_HOUR_ITEM = re.compile(r"^(?P<kpi>\w+) (?P<when>.+ \d{2,}:\d{2})$")


def missed_text(labels: str, lang: str = "en", target_wait_min: float | None = 20.0) -> str:
    """Missed targets, as the recommender lists them ("day service_level >= 0.9,
    service_level weekday 10:00, ..."), in words: whole-day targets read as targets,
    missed hours are listed after "missed in" (with the KPI named when several are)."""
    items = [i.strip() for i in labels.split(",") if i.strip()]
    days = [target_text(i, target_wait_min, lang) for i in items if _TARGET.match(i)]
    hours = [m for i in items if not _TARGET.match(i) and (m := _HOUR_ITEM.match(i))]
    other = [i for i in items if not _TARGET.match(i) and not _HOUR_ITEM.match(i)]
    kpis = {m.group("kpi") for m in hours}
    n_days = _when_days(m.group("when") for m in hours)
    comma = "、" if lang == "zh" else ", "
    if len(kpis) == 1:
        when = comma.join(when_text(m.group("when"), lang, n_days) for m in hours)
    else:
        when = comma.join(
            f"{kpi_words(m.group('kpi'), target_wait_min, lang)} "
            f"{when_text(m.group('when'), lang, n_days)}"
            for m in hours
        )
    parts = [*days, *other]
    if hours:
        sep = "：" if lang == "zh" else " "
        parts.append(f"{_VERDICTS[lang]['missed']}{sep}{when}")
    return ("；" if lang == "zh" else "; ").join(parts)


def _day_time(day: int, hhmm: str, lang: str, days: int) -> str:
    """A clock time on day ``day`` (1 = the day the centre opens) of a table or list
    whose times reach day ``days``: plain within one day, "02:00 next day" ("次日02:00")
    when they reach the next day only, "day 3 08:00" ("第3天 08:00") beyond."""
    if days <= 2:
        if day <= 1:
            return hhmm
        return i18n.message("report", "plan_next_day", lang, time=hhmm)
    return i18n.message("report", "plan_day_n", lang, n=day, time=hhmm)


def hour_days(hours: Iterable[float]) -> int:
    """The last day that hours counted from the opening day's midnight reach (1 when
    all are below 24)."""
    finite = [int(h) for h in hours if math.isfinite(float(h))]
    return max((h // 24 + 1 for h in finite), default=1)


def hour_text(hour: float, lang: str = "en", days: int = 1) -> str:
    """The clock hour ``hour`` (hours from the opening day's midnight, as the
    recommender's hourly tables count them) for people: "17:00", "01:00 next day" or
    "day 2 01:00" (:func:`_day_time`; ``days`` from :func:`hour_days` of the table)."""
    h = int(hour)
    return _day_time(h // 24 + 1, f"{h % 24:02d}:00", lang, days)


def day_hour_text(day_type: object, hour: float, lang: str = "en", days: int = 1) -> str:
    """A day type and an hour, "weekday 17:00" ("工作日 17:00")."""
    return i18n.message(
        "report", "day_hour", lang, day_type=i18n.name(day_type, lang).lower(),
        time=hour_text(hour, lang, days),
    )  # fmt: skip


_WHEN = re.compile(r"^(?P<day_type>.+) (?P<hour>\d+):00$")


def when_text(when: str, lang: str = "en", days: int = 1) -> str:
    """An hour of a day type as the recommender writes it ("weekday 10:00", "weekday
    26:00" past midnight) in words (:func:`day_hour_text`); anything else as written."""
    m = _WHEN.match(when.strip())
    if not m:
        return when
    return day_hour_text(m.group("day_type"), int(m.group("hour")), lang, days)


def _when_days(whens: Iterable[str]) -> int:
    return hour_days(int(m.group("hour")) for w in whens if (m := _WHEN.match(w.strip())))


_PLAN_TIME = re.compile(r"^day (?P<day>\d+) (?P<hhmm>\d{1,2}:\d{2})$")


def plan_days(labels: Iterable[object]) -> int:
    """The last day a staffing plan's times reach: the recommender writes a time as
    ``HH:MM`` when every block of the day type ends by midnight (1) and as ``day N
    HH:MM`` when one runs past it (N counted from the day the centre opens, day 1)."""
    days = [int(m.group("day")) for x in labels if (m := _PLAN_TIME.match(str(x).strip()))]
    return max(days, default=1)


def plan_time(label: object, lang: str = "en", days: int = 1) -> str:
    """A time of the recommender's staffing plan in words. ``days`` is
    :func:`plan_days` of the whole table: a plan that runs into the next day reads
    "02:00 next day" ("次日02:00"); a longer one numbers its days ("day 3 08:00",
    "第3天 08:00"); a plain ``HH:MM`` is kept as it is."""
    m = _PLAN_TIME.match(str(label).strip())
    if not m:
        return str(label)
    return _day_time(int(m.group("day")), m.group("hhmm"), lang, days)
