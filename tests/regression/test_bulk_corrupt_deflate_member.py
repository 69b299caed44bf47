"""Regression: a zip member whose deflate stream is damaged crashed the bulk ingest.

``zipfile`` reports a bad CRC as ``BadZipFile`` but a damaged *compressed stream* as a bare
``zlib.error``, which ``iter_bulk`` did not catch: ``capexwatch update --bulk`` ended with
"Internal error: error: Error -3 while decompressing data" (exit 70) instead of naming the file
and member. Found by the loopback tests' mid-archive corruption case.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from capexwatch.errors import InputFileError
from capexwatch.sources.sec import iter_bulk
from tests._support.data import RECORDED

CF = RECORDED / "sec" / "companyfacts" / "CIK0001045810.json"


def test_damaged_deflate_stream_is_an_input_file_error(tmp_path: Path) -> None:
    z = tmp_path / "companyfacts.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("CIK0001045810.json", CF.read_bytes())
        zf.writestr("CIK0000000002.json", CF.read_bytes())
    data = bytearray(z.read_bytes())
    with zipfile.ZipFile(z) as zf:
        info = zf.infolist()[1]
    data[info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 50] ^= 0xFF
    z.write_bytes(bytes(data))
    it = iter_bulk(z)
    assert next(it)[1] == "CIK0001045810.json"  # the good member comes through
    with pytest.raises(InputFileError, match="CIK0000000002.json is corrupt"):
        next(it)
