"""The recorded SEC and FRED answers under the paths the real services use, and the settings
that point capexwatch at the loopback server serving them (see tests/data/recorded/README.md)."""

from __future__ import annotations

from capexwatch.sources import http
from tests._support.data import RECORDED
from tests._support.fakeserver import FakeServer, fred_json_from_csv

__all__ = ["ARCHIVES", "NVDA_CIK", "PUBLISHED_LIMITS", "RECORDED", "UA", "load_routes"]

#: NVIDIA's CIK: the one filer whose answers are recorded
NVDA_CIK = 1045810
#: a User-Agent of the form the SEC asks for (a name and an e-mail address)
UA = "capexwatch tests tests@example.com"
#: the bulk archives' path below the SEC's www host
ARCHIVES = "/Archives/edgar/daily-index/xbrl"
#: where the loopback server serves the SEC's ticker map (www.sec.gov/files/company_tickers.json)
TICKERS = "/files/company_tickers.json"
#: the rate limits as the code defines them, read at import, before any test patches them
PUBLISHED_LIMITS = dict(http.RATE_LIMITS)


def load_routes(server: FakeServer) -> None:
    """Serve every recorded answer under the paths the real services use."""
    for p in (RECORDED / "sec" / "companyfacts").glob("*.json"):
        server.add(f"/api/xbrl/companyfacts/{p.name}", p)
    for p in (RECORDED / "sec" / "submissions").glob("*.json"):
        server.add(f"/submissions/{p.name}", p)
    server.add(TICKERS, RECORDED / "sec" / "company_tickers.json")
    for p in (RECORDED / "fred").glob("*.csv"):
        sid = p.stem
        server.add("/graph/fredgraph.csv", p, content_type="text/csv", query={"id": sid})
        server.add("/fred/series/observations", fred_json_from_csv(p.read_bytes()), query={"series_id": sid})
