"""The back office of the fast engine, worked after the run.

Nothing the windows do depends on the bureaus' clerks, so the engine
(:class:`simulator.engine.centre.CentreModel`) only logs each case as it is submitted
and the clerks work the cases in one pass once the environment has run out of events
(:func:`work_back_office`). The reference model (:mod:`simulator.engine.journey`) runs
a process per clerk instead; the property test holding both engines' records equal
checks they agree.
"""

from __future__ import annotations

import bisect
import heapq
import math


def work_back_office(
    log: list[int],
    bureau: list[int],
    submit: list[float],
    work: list[float],
    done: list[float],
    staff: list[int],
    periods: list[tuple[float, float]],
    ends: list[float],
) -> None:
    """The bureaus' clerks work the submitted cases (after the run: nothing the
    windows do depends on them); writes the end of each case finished into ``done``.

    A clerk takes the oldest case of its bureau when free (an idle clerk takes a new
    case at once) and works on it during back-office hours of working days: work
    pauses at closing and resumes on the next working day; a clerk stops for good
    when the horizon has no working time left (the case stays open). The clerks of a
    bureau are alike and take cases first come first served, so case ``k`` starts
    when it is submitted or when the first clerk is free, whichever is later (a FIFO
    queue with several servers), and its times are computed with the float
    arithmetic of a clerk process waiting in SimPy (``now + (start - now)``, then
    ``now + chunk``), as in the reference journey.

    ``log`` lists the residents whose case was submitted, in order of submission;
    ``bureau``, ``submit`` and ``work`` give each resident's bureau index, submission
    minute and minutes of clerk work; ``done`` receives the minute each case is finished
    (left as it is for a case that stays open); ``staff`` is the number of clerks of
    each bureau, ``periods`` the back-office hours of the working days as (start, stop)
    minutes in order, and ``ends`` their stops.
    """
    last = len(periods)
    free = [[-math.inf] * k for k in staff]  # when each clerk is free (heaps)
    inf = math.inf
    bisect_right = bisect.bisect_right
    heapreplace = heapq.heapreplace
    for i in log:
        clerks = free[bureau[i]]
        if not clerks:
            continue
        first = clerks[0]
        if first == inf:  # every clerk of the bureau has stopped: the case stays open
            continue
        now = submit[i] if submit[i] >= first else first
        remaining = work[i]
        while remaining > 1e-9:
            k = bisect_right(ends, now)
            if k >= last:  # no working time left: the clerk stops, the case stays open
                now = inf
                break
            start, stop = periods[k]
            if now < start:
                now = now + (start - now)
            left = stop - now
            chunk = remaining if remaining <= left else left  # min(remaining, left)
            now = now + chunk
            remaining -= chunk
        else:
            done[i] = now
        heapreplace(clerks, now)
