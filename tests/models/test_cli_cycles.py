"""`calibrate`, `phantom-share`, `analogs` and `simulate --phantom-cap`: exit codes, --json shape, values
equal to the Python API's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from capexwatch.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_calibrate_without_targets_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "calibrate", "ai-2026")
    assert code == 2
    assert "no published targets" in err and "chips-2021" in err and "Traceback" not in err


def test_calibrate_chips_2021_json_saves_the_fit(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    from capexwatch.models.calibration import calibrate
    from capexwatch.models.scenario import load_scenario

    bundled = load_scenario("chips-2021")
    code, out, _ = run(capsys, "calibrate", "chips-2021", "--starts", "1", "--json")
    assert code == 0
    d = json.loads(out)
    assert {"scenario", "fitted", "targets", "unmet", "objective", "evaluations", "saved"} <= set(d)
    assert {"target", "published", "fitted", "error", "met", "source"} <= set(d["targets"][0])
    assert d["unmet"] == [t["target"] for t in d["targets"] if not t["met"]]
    # the section 7 figures as published
    published = {t["target"]: t["published"] for t in d["targets"]}
    assert published["lead_time_peak_weeks"] == 27.1 and published["lead_time_dec_2022_weeks"] == 24.0
    api = calibrate(bundled, starts=1)
    assert d["fitted"] == pytest.approx(api.fitted, rel=1e-12)
    # saved in the user's scenarios folder; the name now resolves to the fitted copy
    saved = home / "scenarios" / "chips-2021.yaml"
    assert Path(d["saved"]["scenario"]) == saved and saved.is_file()
    assert (home / "scenarios" / "chips-2021.calibration.json").is_file()
    fitted = load_scenario("chips-2021")
    for name, value in d["fitted"].items():
        assert fitted.params[name].value.value == pytest.approx(value, rel=1e-5)  # type: ignore[union-attr]
        assert "capexwatch calibrate chips-2021" in str(fitted.params[name].source)


def test_calibrate_table_names_what_is_not_met(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    code, out, _ = run(capsys, "calibrate", "chips-2021", "--starts", "1", "--no-save")
    assert code == 0
    assert "published" in out and "fitted" in out
    assert "cannot meet" in out or "Every target is met" in out
    assert not (home / "scenarios").exists()


def test_phantom_cap_sweep_json_matches_the_api(capsys: pytest.CaptureFixture[str], store: object) -> None:
    from capexwatch.models.calibration import phantom_sweep
    from capexwatch.models.scenario import load_scenario

    code, out, _ = run(capsys, "simulate", "ai-2026", "--phantom-cap", "1,2", "--paths", "512", "--seed", "5", "--json")
    assert code == 0
    d = json.loads(out)
    assert [r["inflation_cap"] for r in d["sweep"]] == [1.0, 2.0]
    api = phantom_sweep(load_scenario("ai-2026"), [1.0, 2.0], paths=512, seed=5, store=store)
    for got, want in zip(d["sweep"], api, strict=True):
        assert got == pytest.approx(want)
    # a cap of 1 means no gaming: no phantom orders (issue 8)
    assert d["sweep"][0]["phantom_share_peak"] == 0.0
    assert d["sweep"][1]["phantom_share_peak"] > 0.0


@pytest.mark.parametrize("caps", ["a,b", "0.5"])
def test_phantom_cap_bad_values_exit_2(capsys: pytest.CaptureFixture[str], caps: str) -> None:
    code, _, err = run(capsys, "simulate", "ai-2026", "--phantom-cap", caps, "--paths", "64")
    assert code == 2 and "Traceback" not in err


def test_analogs_json_matches_the_api(capsys: pytest.CaptureFixture[str], store: object) -> None:
    from capexwatch._json import to_jsonable
    from capexwatch.signals.analogs import COLUMNS, analog_frame

    code, out, _ = run(capsys, "analogs", "--json")
    assert code == 0
    rows = json.loads(out)
    assert set(rows[0]) == set(COLUMNS)
    assert rows == to_jsonable(analog_frame(store).to_dict(orient="records"))
    assert {r["cycle"] for r in rows} == {"ai", "telecom", "semiconductor"}


def test_phantom_share_needs_inventory_exit_5(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "phantom-share", "NVDA")
    assert code == 5 and "inventory" in err


def test_phantom_share_from_filings(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # synthetic inventory and purchase obligations, both tripling over four quarters (test inputs);
    # revenue is NVIDIA's from the bundled snapshot: $44,062M (FY2026Q1) -> $81,615M (FY2027Q1)
    ends = ["2025-04-27", "2025-07-27", "2025-10-26", "2026-01-25", "2026-04-26"]
    periods = ["FY2026Q1", "FY2026Q2", "FY2026Q3", "FY2026Q4", "FY2027Q1"]
    lines = ["ticker,metric,fiscal_period,period_end,value,unit,source"]
    for i, (fp, end) in enumerate(zip(periods, ends, strict=True)):
        level = 1.0 + 0.5 * i  # 1, 1.5, 2, 2.5, 3
        lines.append(f"NVDA,inventory,{fp},{end},{10 * level},USD_billions,test")
        lines.append(f"NVDA,purchase_obligations,{fp},{end},{20 * level},USD_billions,test")
    csv = tmp_path / "stock.csv"
    csv.write_text("\n".join(lines) + "\n")
    assert run(capsys, "ingest", str(csv))[0] == 0
    code, out, _ = run(capsys, "phantom-share", "NVDA", "--json")
    assert code == 0
    d = json.loads(out)
    # closed form: share = 1 - (1 + g_D) / (1 + g_I), no spread when both stock measures agree
    expected = 1.0 - (81_615 / 44_062) / 3.0
    assert d["inventory_growth"] == pytest.approx(2.0)
    assert d["inventory_growth_sd"] == pytest.approx(0.0, abs=1e-12)
    assert d["demand_growth"] == pytest.approx(81_615 / 44_062 - 1.0)
    assert d["phantom_share_p50"] == pytest.approx(expected)
    assert d["phantom_share_p5"] == pytest.approx(expected) and d["phantom_share_p95"] == pytest.approx(expected)
    code, out, _ = run(capsys, "phantom-share", "NVDA")
    assert code == 0 and "implied phantom share" in out


@pytest.mark.parametrize("preset", ["chips-2021", "ai-2026", "beer-game-1989", "credit-seed-bear", "pivot-1"])
def test_simulate_json_works_for_the_cycle_presets(capsys: pytest.CaptureFixture[str], preset: str) -> None:
    code, out, err = run(capsys, "simulate", preset, "--paths", "256", "--seed", "1", "--json", "--no-store")
    assert code == 0, err
    d = json.loads(out)
    assert d["outputs"] and d["series"]
