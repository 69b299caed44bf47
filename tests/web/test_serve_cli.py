"""`capexwatch serve`: loopback by default; another address needs --allow-remote and warns."""

from __future__ import annotations

import pytest

from capexwatch.cli.serve import is_loopback
from tests._support.cli import run_cli


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("127.8.9.1", True), ("::1", True),
                                                ("localhost", True), ("0.0.0.0", False), ("::", False),
                                                ("192.168.1.20", False), ("example.org", False)])  # fmt: skip
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_public_host_is_refused_without_the_flag() -> None:
    proc = run_cli("serve", "--host", "0.0.0.0", "--port", "0", timeout=60)
    assert proc.returncode == 2
    assert "--allow-remote" in proc.stderr and "Traceback" not in proc.stderr


def test_a_public_host_with_the_flag_prints_a_warning() -> None:
    # 192.0.2.1 (TEST-NET-1, RFC 5737) is never assigned here: binding fails, nothing listens
    proc = run_cli("serve", "--host", "192.0.2.1", "--allow-remote", "--port", "0", timeout=60)
    assert "Warning: listening on 192.0.2.1" in proc.stderr
    assert "no authentication" in proc.stderr
    assert proc.returncode != 0
