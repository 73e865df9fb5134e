"""Realism options and named presets of the synthetic history generator.

:class:`Realism` lists what makes a generated history look like a real export (no-shows,
walking time, closures, absences, faulty rows, encodings, column names); a
:class:`Preset` names a base scenario, a size factor and a realism (:data:`PRESETS`,
used by :func:`calibration.synthetic.synthetic_history` and the back-test).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = [
    "CHINESE_COLUMNS",
    "PRESETS",
    "REALISTIC",
    "RENAMED_COLUMNS",
    "Preset",
    "Realism",
]


@dataclass(frozen=True)
class Realism:
    """What makes a synthetic history look like a real export (all off by default).

    Attributes
    ----------
    walk_time : dict, optional
        Distribution spec (minutes) of the walk from the call to the window
        (``centre.walk_time``): ``service_start`` = ``call_time`` + walk.
    no_show_probability : float
        Share of called residents who are not there (``centre.no_show.probability``):
        ``no_show`` rows with a call time, window and staff, no service.
    no_show_hold : dict, optional
        Distribution spec (minutes) of the time a window waits for a no-show.
    holidays_closed : bool
        Closed on statutory holidays (``demand.holiday_factor`` 0 in the truth): no
        service, no staffing row, a few stray rows.
    adhoc_closures : float
        Closed working days (IT failure, training, ...) per 365 days, drawn at random
        among open weekdays; their tickets are removed, a few stray rows kept.
    stray_rows : tuple of int
        Inclusive range of stray rows (staff test tickets, served in a few minutes) on
        each closed day.
    absence_share : float
        Share of open weekdays with one window fewer (a staff member absent): those
        days are simulated with one window of the largest comprehensive group closed.
    expert_staff : int
        Staff members of the largest all-round proficient group made experts (per-staff
        speed differences next to the novice of the reference staff).
    leave_times : bool
        Write ``leave_time`` for abandoned rows; ``False`` drops the column (systems that
        only close the ticket).
    leave_time_share : float
        With ``leave_times``: share of abandoned rows whose leave time is kept (systems
        that record it only when the resident cancels); the others are left empty.
    origins : bool
        Write the home province in ``origin``.
    xp_timestamps : bool
        Write ``xp_sent_time`` / ``xp_reply_time`` of cross-province round trips.
    dirty_share : float
        Extra faulty rows added, as a share of the clean rows (see :data:`DIRTY_KINDS`).
    encoding : str
        Encoding of every CSV file (``"utf-8"`` or ``"gb18030"``); with GB18030 the
        ticket log gets a Chinese ``item_name`` column.
    columns : mapping
        Documented column name -> the export's name, applied to every file written.
    staff_on_duty : bool
        Write ``staff_on_duty`` in the staffing history (optional column).
    """

    walk_time: Mapping[str, Any] | None = None
    no_show_probability: float = 0.0
    no_show_hold: Mapping[str, Any] | None = None
    holidays_closed: bool = False
    adhoc_closures: float = 0.0
    stray_rows: tuple[int, int] = (1, 3)
    absence_share: float = 0.0
    expert_staff: int = 0
    leave_times: bool = True
    leave_time_share: float = 1.0
    origins: bool = False
    xp_timestamps: bool = False
    dirty_share: float = 0.0
    encoding: str = "utf-8"
    columns: Mapping[str, str] = field(default_factory=dict)
    staff_on_duty: bool = True


#: The realism every preset but ``plain`` starts from (assumed values, DOMAIN.md-like).
REALISTIC = Realism(
    walk_time={"dist": "lognormal", "mean": 0.75, "cv": 0.5},
    no_show_probability=0.03,
    no_show_hold={"dist": "lognormal", "mean": 1.5, "cv": 0.3},
    holidays_closed=True,
    adhoc_closures=3.0,
    absence_share=0.08,
    expert_staff=1,
)

#: Column names of the ``renamed`` preset (documented name -> export name).
RENAMED_COLUMNS: dict[str, str] = {
    "centre_id": "branch_code",
    "ticket_id": "queue_no",
    "item_id": "item_code",
    "ticket_time": "take_time",
    "call_time": "called_at",
    "service_start": "start_time",
    "service_end": "finish_time",
    "window_id": "counter",
    "staff_id": "clerk",
    "outcome": "status",
    "origin": "origin_province",
    "leave_time": "left_at",
    "family": "family_id",
    "start": "block_start",
    "end": "block_end",
    "windows_open": "open_windows",
}


#: Chinese column names of the ``chinese`` preset (documented name -> export name), as a
#: GB18030 export of a ticket system might have them.
CHINESE_COLUMNS: dict[str, str] = {
    "centre_id": "网点编号",
    "ticket_id": "排队号",
    "item_id": "事项编码",
    "ticket_time": "取号时间",
    "call_time": "叫号时间",
    "service_start": "开始办理时间",
    "service_end": "办结时间",
    "window_id": "窗口号",
    "staff_id": "工作人员",
    "outcome": "办理状态",
    "origin": "户籍省份",
    "leave_time": "离开时间",
    "family": "事项类别",
    "level": "熟练程度",
    "date": "日期",
    "start": "班次开始",
    "end": "班次结束",
    "windows_open": "开放窗口数",
    "staff_on_duty": "在岗人数",
}


@dataclass(frozen=True)
class Preset:
    """A named synthetic history: base scenario, size factor, overrides and realism."""

    scenario: str
    size: float
    realism: Realism
    overrides: tuple[str, ...] = ()
    description: str = ""


def _realistic(description: str, size: float = 1.0, **changes: Any) -> Preset:
    """A preset of the reference scenario with :data:`REALISTIC` realism and ``changes``."""
    return Preset("reference", size, replace(REALISTIC, **changes), description=description)


PRESETS: dict[str, Preset] = {
    "plain": Preset(
        "reference", 1.0, Realism(), description="the reference centre, no realism (as before)"
    ),
    "quiet": _realistic("a quiet centre (0.8 x reference volume)", size=0.8),
    "busy": _realistic(
        "a busy centre (1.25 x reference volume; peak weekday utilisation >= 0.85)", size=1.25
    ),
    "cross_province": Preset(
        "cross_province",
        1.0,
        replace(REALISTIC, origins=True, xp_timestamps=True),
        description="reference centre with a cross-province window; origins and xp times",
    ),
    "no_leave_times": _realistic(
        "abandoned rows without leave time (no leave_time column)", leave_times=False
    ),
    "dirty": _realistic("2% faulty rows added", dirty_share=0.02),
    "gb18030": _realistic("every CSV in GB18030 with Chinese item names", encoding="gb18030"),
    "chinese": _realistic(
        "a GB18030 export with Chinese column names", encoding="gb18030", columns=CHINESE_COLUMNS
    ),
    "renamed": _realistic(
        "an export with other column names and no staff_on_duty",
        columns=RENAMED_COLUMNS,
        staff_on_duty=False,
    ),
}
