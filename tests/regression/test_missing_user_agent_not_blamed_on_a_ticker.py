"""Regression (issue 14, item 14): ``update`` without a User-Agent began its error with "META: The
SEC requires a User-Agent...": whichever filer's thread failed first lent its ticker to a setting
that concerns none of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._support.cli import invoke


def test_missing_user_agent_is_a_settings_error_about_no_company(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAPEXWATCH_SEC_USER_AGENT", raising=False)
    monkeypatch.delenv("EDGAR_IDENTITY", raising=False)
    monkeypatch.setenv("CAPEXWATCH_SEC_BASE_URL", "http://nonexistent.invalid")  # nothing may be sent anyway
    code, _, err = invoke("update", "--tickers", "META,MSFT")
    assert code == 3
    assert err.startswith("Error: The SEC requires a User-Agent")
