"""decode_companyfacts against the real documents and a plain-json reading of them; bad input."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import numpy as np
import pandas as pd
import pytest

from capexwatch.errors import DataError, InputFileError
from capexwatch.facts.decode import (
    FACT_COLUMNS,
    decode_companyfacts,
    decode_many,
    default_tags,
    metric_tags,
)
from capexwatch.metrics import METRICS
from tests._support.facts_ref import facts_of, sec_file


def _plain(path: Path, keep: set[str] | None) -> pd.DataFrame:
    """The same table built the obvious way (json + pandas), to hold the fast path against."""
    doc = json.loads(path.read_bytes())
    rows = []
    for tax, concepts in doc["facts"].items():
        for tag, concept in concepts.items():
            if keep is not None and f"{tax}:{tag}" not in keep and f"{tax}:*" not in keep:
                continue
            for unit, recs in concept["units"].items():
                for r in recs:
                    rows.append((tax, tag, unit, r.get("start"), r["end"], float(r["val"]), r["accn"],
                                 r.get("fy"), r.get("fp"), r["form"], r["filed"], r.get("frame")))  # fmt: skip
    return pd.DataFrame(rows, columns=["taxonomy", "tag", "unit", "period_start", "period_end", "value", "accn",
                                       "fy", "fp", "form", "filed", "frame"])  # fmt: skip


def _canon(df: pd.DataFrame) -> list[tuple[object, ...]]:
    out = []
    for r in df.itertuples(index=False):
        start = r.period_start
        start = None if start is None or start is pd.NaT or (isinstance(start, float)) else str(start)[:10]
        fy = None if r.fy is None or pd.isna(r.fy) else int(r.fy)
        out.append((r.taxonomy, r.tag, r.unit, start, str(r.period_end)[:10], r.value, r.accn, fy,
                    r.fp if isinstance(r.fp, str) else None, r.form, str(r.filed)[:10],
                    r.frame if isinstance(r.frame, str) else None))  # fmt: skip
    return sorted(out, key=repr)


@pytest.mark.parametrize("name", ["CIK0001045810.json", "CIK0001652044.json", "CIK0001046179.json"])
def test_default_filter_equals_plain_json(name: str) -> None:
    path = sec_file(name)
    ft = decode_companyfacts(path.read_bytes())
    assert list(ft.df.columns) == FACT_COLUMNS
    expected = _plain(path, set(default_tags()))
    assert len(ft) == len(expected) > 100
    assert _canon(ft.df) == _canon(expected)
    doc = json.loads(path.read_bytes())
    assert ft.cik == doc["cik"] and ft.entity_name == doc["entityName"]
    assert (ft.df["cik"] == doc["cik"]).all() and (ft.df["entity_name"] == doc["entityName"]).all()


def test_all_facts_equal_plain_json() -> None:
    path = sec_file("CIK0001652044.json")
    ft = decode_companyfacts(path.read_bytes(), tags="all")
    expected = _plain(path, None)
    assert len(ft) == len(expected) == 20324  # every fact of the document
    assert _canon(ft.df) == _canon(expected)


def test_dtypes_and_instants(nvda: object) -> None:
    ft = facts_of("NVDA")
    df = ft.df
    assert df["value"].dtype == np.float64
    for c in ("period_start", "period_end", "filed"):
        assert str(df[c].dtype).startswith("datetime64")
    assert str(df["fy"].dtype) == "Int64"
    # instants (balance sheet, cover page) have no start
    inv = df[df["tag"] == "InventoryNet"]
    assert len(inv) and inv["period_start"].isna().all()
    rev = df[df["tag"] == "Revenues"]
    assert rev["period_start"].notna().all()
    # NVIDIA FY2027 Q1 revenue, as served (reference README §2 shows this very fact)
    q = rev[(rev["period_end"] == "2026-04-26") & (rev["period_start"] == "2026-01-26")]
    assert set(q["value"]) == {81_615_000_000.0}
    assert set(q["accn"]) == {"0001045810-26-000052"}


def test_excerpt_is_a_faithful_subset() -> None:
    """The 88 KB excerpt holds the same facts as the full NVIDIA document for its tags."""
    ex = decode_companyfacts(sec_file("CIK0001045810_excerpt.json").read_bytes(), tags="all")
    full = decode_companyfacts(sec_file("CIK0001045810.json").read_bytes(), tags="all")
    keys = set(zip(ex.df["taxonomy"], ex.df["tag"], strict=True))
    sub = full.df[[k in keys for k in zip(full.df["taxonomy"], full.df["tag"], strict=True)]]
    assert _canon(ex.df) == _canon(sub)


def test_tsmc_keeps_its_currency(tsmc: object) -> None:
    """ifrs-full filer: TWD facts decoded and labelled TWD, beside its USD convenience figures."""
    ft = facts_of("TSM")
    rev = ft.df[(ft.df["taxonomy"] == "ifrs-full") & (ft.df["tag"] == "Revenue")]
    assert {"TWD", "USD"} <= set(rev["unit"])
    doc = json.loads(sec_file("CIK0001046179.json").read_bytes())
    twd = doc["facts"]["ifrs-full"]["Revenue"]["units"]["TWD"]
    assert sorted(rev[rev["unit"] == "TWD"]["value"]) == sorted(float(r["val"]) for r in twd)


def test_metric_tags_cover_every_chain() -> None:
    tags = metric_tags()
    for m in METRICS.values():
        assert set(m.tags) <= tags
    assert "dei:*" in default_tags()


def test_custom_filter_and_whole_taxonomy() -> None:
    raw = sec_file("CIK0001045810.json").read_bytes()
    one = decode_companyfacts(raw, tags=["us-gaap:Revenues"])
    assert set(one.df["tag"]) == {"Revenues"}
    dei = decode_companyfacts(raw, tags="dei:*")
    assert set(dei.df["taxonomy"]) == {"dei"}
    with pytest.raises(DataError, match="taxonomy:Tag"):
        decode_companyfacts(raw, tags=["Revenues"])


def _fact(end: str = "2024-03-31", val: object = 5, **kw: object) -> dict[str, object]:
    f = {"start": "2024-01-01", "end": end, "val": val, "accn": "0000000001-24-000001", "fy": 2024,
         "fp": "Q1", "form": "10-Q", "filed": "2024-05-01"}  # fmt: skip
    f.update(kw)
    return f


def _doc(*facts: dict[str, object], tag: str = "Revenues") -> bytes:
    return json.dumps(
        {"cik": 42, "entityName": "X", "facts": {"us-gaap": {tag: {"units": {"USD": list(facts)}}}}}
    ).encode()


BAD = {
    "empty": (b"", "is empty"),
    "html": (b"<!DOCTYPE html><html><body>Request Rate Threshold Exceeded</body></html>", "HTML"),
    "truncated": (_doc(_fact())[:-20], "truncated"),
    "not json": (b"cik=1&facts=", "not valid JSON"),
    "array": (b"[1, 2, 3]", "not a companyfacts document"),
    "no facts": (b'{"cik": 1, "entityName": "X"}', "facts"),
    "val is text": (_doc(_fact(val="12")), "Expected `float`"),
    "no accn": (_doc({k: v for k, v in _fact().items() if k != "accn"}), "accn"),
    "bad month": (_doc(_fact(end="2024-13-01")), "bad date '2024-13-01'"),
    "partial date": (_doc(_fact(end="2024")), "bad date '2024'"),
    "bad cik": (b'{"cik": "abc", "facts": {}}', "bad cik"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_a_clear_error(case: str) -> None:
    raw, msg = BAD[case]
    with pytest.raises(InputFileError) as info:
        decode_companyfacts(raw, source="CIK0000000042.json")
    err = info.value
    assert msg in str(err)
    assert "CIK0000000042.json" in str(err)
    assert err.exit_code == 2 and err.hint
    # no msgspec exception leaks out as the cause a traceback would show
    assert not isinstance(err.__cause__, msgspec.MsgspecError)


def test_empty_facts_is_an_empty_table() -> None:
    ft = decode_companyfacts(b'{"cik": 7, "entityName": "Shell Co", "facts": {}}')
    assert len(ft) == 0 and list(ft.df.columns) == FACT_COLUMNS and ft.cik == 7


def test_decode_many_batches_and_skips_bad_members() -> None:
    raw = sec_file("CIK0001652044.json").read_bytes()
    one = len(decode_companyfacts(raw))
    # the bad member fails on its second tag, after facts of the first were gathered
    bad = json.dumps({"cik": 9, "facts": {"us-gaap": {
        "Revenues": {"units": {"USD": [_fact()]}},
        "NetIncomeLoss": {"units": {"USD": [_fact(end="20x4-01-01")]}},
    }}}).encode()  # fmt: skip
    members = [("a.json", raw), ("bad.json", bad), ("b.json", raw)]
    batches = list(decode_many(members, skip_errors=True, batch_facts=one))
    assert sum(len(df) for df, _ in batches) == 2 * one
    errors = [e for _, errs in batches for e in errs]
    assert len(errors) == 1 and "bad.json" in str(errors[0])
    assert all(list(df.columns) == FACT_COLUMNS for df, _ in batches)
    assert len(batches) == 2  # a batch closes once it holds batch_facts rows
    with pytest.raises(InputFileError, match="bad.json"):
        list(decode_many(members))
