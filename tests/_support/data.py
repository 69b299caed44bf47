"""Where the test data lie: everything a test reads is inside the repository (see tests/data/README.md)."""

from __future__ import annotations

from pathlib import Path

#: the repository root
REPO = Path(__file__).resolve().parents[2]
#: tests/data
DATA = REPO / "tests" / "data"
#: verbatim copies of the curated reference files the tests compare against
REFERENCE = DATA / "reference"
#: real SEC companyfacts documents (NVIDIA, Alphabet, TSMC) and a small NVIDIA excerpt
SEC = REFERENCE / "sec"
#: recorded HTTP answers served by the loopback server (rebuilt by tests/data/recorded/build.py)
RECORDED = DATA / "recorded"
