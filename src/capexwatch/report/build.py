"""Assemble the report: the core views plus the sections other layers contribute.

Optional sections (the signals board, simulation fan charts, the double-ordering, credit and
contagion models of :mod:`capexwatch.report.cycles_report`) are added when their layer is
present; a failure in one of them is shown in the report as a note instead of stopping it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from capexwatch.signals import Inputs
    from capexwatch.store.db import Store

__all__ = ["Report", "build_report"]


@dataclass
class Report:
    """What every face renders: ``data`` (JSON-ready), extra HTML sections, extra terminal renderables."""

    data: dict[str, Any]
    sections: list[dict[str, Any]] = field(default_factory=list)
    renderables: list[Any] = field(default_factory=list)


def _signals(store: Store, as_of: Any, rep: Report, inputs: Inputs) -> None:
    from capexwatch.report.signals_section import report_section

    part = report_section(store, as_of=as_of, inputs=inputs)
    rep.data["signals"] = part["signals"]
    rep.sections.append(part["section"])
    rep.renderables.append(part["board"])


def _simulations(store: Store, as_of: Any, rep: Report, inputs: Inputs) -> None:
    from capexwatch.report.fan import fan_section, recent_runs

    runs = recent_runs(store)
    rep.data["simulations"] = [
        {k: r.get(k) for k in ("run_id", "model", "scenario", "title", "paths", "seed")} for r in runs
    ]
    rep.sections.append(fan_section(runs))


def _model_part(key: str) -> Callable[[Store, Any, Report, Inputs], None]:
    """A contributor for one model section of :mod:`capexwatch.report.cycles_report`."""

    def add(store: Store, as_of: Any, rep: Report, inputs: Inputs) -> None:
        from rich.text import Text

        from capexwatch.report.cycles_report import PARTS

        part = PARTS[key](store)
        rep.data[key] = part["data"]
        rep.sections.append(part["section"])
        rep.renderables.append(Text(part["line"]))

    return add


_CONTRIBUTORS: list[tuple[str, Callable[[Store, Any, Report, Inputs], None]]] = [
    ("signals", _signals),
    ("simulations", _simulations),
    ("double_ordering", _model_part("double_ordering")),
    ("credit", _model_part("credit")),
    ("contagion", _model_part("contagion")),
]


_MODEL_SECTIONS = frozenset({"double_ordering", "credit", "contagion"})


def build_report(store: Store, *, as_of: Any = None) -> Report:
    """The core views plus every contributed section."""
    from capexwatch.report.data import build_report_data
    from capexwatch.signals import Inputs

    # read once: the ROI-gap headline and the signals board evaluate the same frames
    inputs = Inputs.from_store(store, as_of=as_of)
    rep = Report(build_report_data(store, as_of=as_of, inputs=inputs))
    from capexwatch.report.cycles_report import MemoStore

    memo: Any = MemoStore(store)  # the model sections' presets repeat the same store queries
    for name, add in _CONTRIBUTORS:
        try:
            add(memo if name in _MODEL_SECTIONS else store, as_of, rep, inputs)
        except Exception as exc:  # one broken section must not take the report down
            note = f"The {name} section could not be built: {type(exc).__name__}: {exc}"
            rep.data.setdefault("notes", []).append(note)
            rep.sections.append({"id": name, "title": name.capitalize(), "html": f"<p class='muted'>{note}</p>"})
    return rep
