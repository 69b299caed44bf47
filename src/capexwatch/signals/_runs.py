"""Runs of quarters and the statuses built from them: streaks, open runs, two-leg triggers, roll-up.

A run counts consecutive quarters in which a check fired. An unknown quarter breaks a run and
leaves it *open* (it may be longer than counted); statuses never claim more than the known
quarters show (``two_leg_status``). ``roll_up`` turns a group status and the companies' statuses
into the board's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from capexwatch.signals._signal import Status

__all__ = [
    "roll_up",
    "run_lengths",
    "streaks",
    "two_leg_status",
]


def streaks(flags: Sequence[bool | None]) -> list[int | None]:
    """Run length of consecutive True values ending at each position (None where unknown:
    an unknown breaks the run, it never extends it)."""
    out: list[int | None] = []
    run: int | None = 0
    for f in flags:
        if f is None:
            run = None
        elif f:
            run = (run or 0) + 1 if run is not None else 1
        else:
            run = 0
        out.append(run)
    return out


def run_lengths(index: Sequence[int], flags: Sequence[bool | None]) -> list[tuple[int | None, bool]]:
    """Per position: (length of the run of True ending here, whether the run is *open*).

    *index* are consecutive-quarter numbers; a gap in them counts as an unknown. A run is open
    when it reaches back to an unknown or to the start of the data (so it may be longer than
    counted); it is closed when a known False precedes it. An unknown position gives (None, True);
    a False gives (0, False).
    """
    out: list[tuple[int | None, bool]] = []
    run: int | None = 0
    open_ = True
    prev: int | None = None
    for i, f in zip(index, flags, strict=True):
        if prev is not None and i != prev + 1:
            run, open_ = None, True
        if f is None:
            run, open_ = None, True
            out.append((None, True))
        elif f:
            if run is None:
                run, open_ = 1, True
            else:
                run += 1
            out.append((run, open_))
        else:
            run, open_ = 0, False
            out.append((0, False))
        prev = i
    return out


def two_leg_status(
    a_flag: bool | None,
    a_run: int | None,
    a_open: bool,
    b_flag: bool | None,
    b_run: int | None,
    b_open: bool,
    n: int,
) -> tuple[Status, str | None]:
    """Status of a trigger that needs two legs to run *n* quarters together.

    alert: both runs >= n; watch: both legs true now and one run >= n; ok: either leg false now.
    An open run shorter than n may really be longer: when that could change the status, the
    lower status is kept with a note (or insufficient-data when the lower one is ok).
    """
    # flags may be NumPy booleans: test values, not identity (`np.False_ is False` is False)
    if a_flag is None or b_flag is None:
        if (a_flag is not None and not a_flag) or (b_flag is not None and not b_flag):
            return "ok", "one leg could not be evaluated, but the other is not firing, so the trigger cannot fire"
        return "insufficient-data", None
    if not (a_flag and b_flag):
        return "ok", None

    def level(ra: int, rb: int) -> Status:
        if ra >= n and rb >= n:
            return "alert"
        if ra >= n or rb >= n:
            return "watch"
        return "ok"

    ra, rb = int(a_run or 0), int(b_run or 0)
    lo = level(ra, rb)
    hi = level(n if a_open and ra < n else ra, n if b_open and rb < n else rb)
    if lo == hi:
        return lo, None
    note = f"earlier quarters unknown: the status could be {hi}"
    return ("insufficient-data", note) if lo == "ok" else (lo, note)


def roll_up(group: Status, companies: Mapping[str, Status]) -> tuple[Status, str | None]:
    """Board status from the group's and the companies': the group's, raised to watch when a
    company is in alert (the group can hide one company's alert)."""
    alerts = sorted(m for m, s in companies.items() if s == "alert")
    if alerts and group in ("ok", "insufficient-data"):
        return "watch", f"group {group}; in alert: {', '.join(alerts)}"
    return group, None
