"""What an update or an ingest did: the changes to the SEC panel, and the report that lists them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Change", "ProgressFn", "UpdateReport"]

#: (label, done, total) — called as work progresses (the CLI draws a Rich progress bar with it)
ProgressFn = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Change:
    """One change an update makes (or would make) to the latest view of the SEC panel.

    ``kind``: ``new`` (a quarter not in the store, or before not derivable), ``revised`` (the value
    changed: a restatement or a corrected derivation), ``withdrawn`` (was ok, now not derivable).
    """

    kind: str
    ticker: str
    metric: str
    fiscal_period: str
    period_end: str
    old: float | None
    new: float | None
    old_accn: str | None = None
    new_accn: str | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "ticker": self.ticker, "metric": self.metric,
            "fiscal_period": self.fiscal_period, "period_end": self.period_end, "old": self.old,
            "new": self.new, "old_accn": self.old_accn, "new_accn": self.new_accn, "reason": self.reason,
        }  # fmt: skip


@dataclass
class UpdateReport:
    """What an update (or ingest) did: per company and series, and the list of changes.

    Counts are exact; the *list* of changes is capped at :attr:`max_changes` (a bulk ingest of all
    of EDGAR makes millions of "new quarter" entries; revisions and withdrawals are kept first).
    """

    dry_run: bool = False
    written: bool = False
    companies: list[dict[str, Any]] = field(default_factory=list)
    series: list[dict[str, Any]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    requests: int = 0
    source: str = "sec"
    max_changes: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    changes_omitted: int = 0

    def add_changes(self, changes: Iterable[Change]) -> None:
        for c in changes:
            self.counts[c.kind] = self.counts.get(c.kind, 0) + 1
            if self.max_changes is None or len(self.changes) < self.max_changes:
                self.changes.append(c)
            elif c.kind in ("revised", "withdrawn"):
                # a revision matters more than a new quarter: make room by dropping a "new" entry
                for i in range(len(self.changes) - 1, -1, -1):
                    if self.changes[i].kind not in ("revised", "withdrawn"):
                        del self.changes[i]
                        self.changes.append(c)
                        self.changes_omitted += 1
                        break
                else:
                    self.changes_omitted += 1
            else:
                self.changes_omitted += 1

    @property
    def new(self) -> int:
        return self.counts.get("new", 0)

    @property
    def revised(self) -> int:
        return self.counts.get("revised", 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "written": self.written,
            "new_quarters": self.new,
            "revisions": self.revised,
            "withdrawn": self.counts.get("withdrawn", 0),
            "companies": self.companies,
            "series": self.series,
            "changes": [c.as_dict() for c in self.changes],
            "changes_omitted": self.changes_omitted,
            "skipped": self.skipped,
            "requests": self.requests,
        }
