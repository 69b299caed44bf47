"""The update report: exact counts, a capped list of changes that keeps revisions first."""

from __future__ import annotations

from capexwatch.pipeline.changes import Change, UpdateReport


def test_change_list_is_capped_but_counts_are_exact() -> None:
    rep = UpdateReport(max_changes=3)
    new = [Change("new", "X", "revenue", f"FY2020Q{q}", "2020-01-01", None, 1.0) for q in (1, 2, 3, 4)]
    rev = Change("revised", "X", "capex", "FY2019Q4", "2019-12-31", 1.0, 2.0)
    rep.add_changes([*new, rev])
    d = rep.as_dict()
    assert (d["new_quarters"], d["revisions"]) == (4, 1)
    assert len(d["changes"]) == 3 and d["changes_omitted"] == 2
    assert any(c["kind"] == "revised" for c in d["changes"])  # a revision displaces a new quarter
