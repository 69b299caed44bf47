"""Settings: where the store lives, who we are to the SEC, where the APIs are.

Precedence: environment variable > ``$CAPEXWATCH_HOME/config.toml`` > default. Settings are read
fresh by :func:`get_settings` each call (cheap), so tests and long-running servers see changes to
the environment.

Environment variables
---------------------
CAPEXWATCH_HOME              data directory (store, cache, config.toml); default: the user data dir
                             (set but empty is an error, not the default)
CAPEXWATCH_DB                path of the DuckDB file; default ``$CAPEXWATCH_HOME/capexwatch.duckdb``
                             (set but empty is an error)
CAPEXWATCH_SEC_USER_AGENT    "Name email@example.com" sent to the SEC (``EDGAR_IDENTITY`` also read)
CAPEXWATCH_SEC_BASE_URL      default https://data.sec.gov
CAPEXWATCH_SEC_ARCHIVES_URL  default https://www.sec.gov/Archives/edgar/daily-index/xbrl
CAPEXWATCH_SEC_DOCUMENTS_URL default https://www.sec.gov/Archives/edgar/data (filing documents)
CAPEXWATCH_SEC_TICKERS_URL   default https://www.sec.gov/files/company_tickers.json (ticker <-> CIK map)
CAPEXWATCH_FRED_BASE_URL     default https://api.stlouisfed.org
CAPEXWATCH_FRED_CSV_URL      default https://fred.stlouisfed.org/graph/fredgraph.csv
FRED_API_KEY                 FRED API key (optional: the keyless CSV download is the fallback)
CAPEXWATCH_HTTP_TIMEOUT      seconds per connect/read (see :mod:`capexwatch.sources.http`)
CAPEXWATCH_HTTP_RETRIES      attempts per request, first included
CAPEXWATCH_HTTP_BACKOFF      first backoff in seconds, doubled per retry
CAPEXWATCH_HTTP_BACKOFF_CAP  largest backoff in seconds
CAPEXWATCH_HTTP_MAX_RETRY_AFTER  longest Retry-After honoured, in seconds
CAPEXWATCH_DEBUG             when set, the CLI re-raises internal errors with their traceback
CAPEXWATCH_LOCK_WAIT         seconds a command waits for a store another process holds (default 60)
CAPEXWATCH_JIT               compiled (Numba) model kernels where the ``fast`` extra is installed:
                             unset = for large runs only, "1" = always, "0" = never

This module is the only one that reads the environment.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from capexwatch.errors import ConfigError

__all__ = [
    "DEFAULT_LOCK_WAIT_S",
    "HttpTuning",
    "Settings",
    "debug_enabled",
    "get_settings",
    "home_dir",
    "http_tuning",
    "jit_mode",
    "lock_wait_s",
    "user_scenarios_dir",
]

#: seconds a command waits for the store's file lock before giving up. A writer holds the lock
#: only for its final commit (seconds; a whole-EDGAR merge about a minute, pipeline/NOTES.md), and
#: a reader for one command, so a minute covers the commits we measured
#: (benchmarks/RESULTS.md, "many readers, one writer") with room on a loaded machine.
DEFAULT_LOCK_WAIT_S = 60.0

_DEFAULTS: dict[str, str] = {
    "sec_base_url": "https://data.sec.gov",
    "sec_archives_url": "https://www.sec.gov/Archives/edgar/daily-index/xbrl",
    "sec_documents_url": "https://www.sec.gov/Archives/edgar/data",
    "sec_tickers_url": "https://www.sec.gov/files/company_tickers.json",
    "fred_base_url": "https://api.stlouisfed.org",
    "fred_csv_url": "https://fred.stlouisfed.org/graph/fredgraph.csv",
}


@dataclass(frozen=True)
class Settings:
    """Resolved settings (see module docstring for the sources)."""

    home: Path
    db_path: Path
    cache_dir: Path
    sec_user_agent: str | None
    sec_base_url: str
    sec_archives_url: str
    fred_base_url: str
    fred_csv_url: str
    fred_api_key: str | None
    #: where EDGAR serves a filing's documents: {url}/{cik}/{accession digits}/{document}
    sec_documents_url: str = "https://www.sec.gov/Archives/edgar/data"
    #: the SEC's ticker <-> CIK map (company_tickers.json)
    sec_tickers_url: str = _DEFAULTS["sec_tickers_url"]


def _path_env(name: str) -> str | None:
    """A path from the environment variable *name*; None when unset.

    Set but empty (``CAPEXWATCH_HOME=""``, often a variable that a script forgot to fill) is an
    error, not the default: falling back silently would read and write a store elsewhere.
    """
    raw = os.environ.get(name)
    if raw is None:
        return None
    if not raw.strip():
        raise ConfigError(
            f"{name} is set but empty.",
            hint=f"Set {name} to a path, or unset it (`unset {name}`) to use the default.",
        )
    return raw


def home_dir() -> Path:
    """The capexwatch data directory (``$CAPEXWATCH_HOME`` or the platform's user data dir).

    Raises
    ------
    ConfigError : ``CAPEXWATCH_HOME`` is set but empty
    """
    env = _path_env("CAPEXWATCH_HOME")
    if env is not None:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("capexwatch", appauthor=False))


def user_scenarios_dir() -> Path:
    """The user's scenarios (``$CAPEXWATCH_HOME/scenarios``): a preset name is looked up here first.

    ``capexwatch calibrate NAME`` writes the fitted scenario here as ``NAME.yaml``.
    """
    return home_dir() / "scenarios"


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (tomllib.TOMLDecodeError, OSError) as exc:
        raise ConfigError(
            f"Cannot read settings file {path}: {exc}",
            hint="Fix or delete the file; every setting can also be given as an environment variable.",
        ) from exc


def get_settings() -> Settings:
    """Resolve the settings now (environment > config.toml > defaults)."""
    home = home_dir()
    toml = _read_toml(home / "config.toml")

    def pick(key: str, *env_names: str) -> str | None:
        for name in env_names:
            value = os.environ.get(name)
            if value:
                return value
        value = toml.get(key)
        if value is not None:
            return str(value)
        return _DEFAULTS.get(key)

    db = _path_env("CAPEXWATCH_DB") or pick("db_path")
    return Settings(
        home=home,
        db_path=Path(db).expanduser() if db else home / "capexwatch.duckdb",
        cache_dir=home / "cache",
        sec_user_agent=pick("sec_user_agent", "CAPEXWATCH_SEC_USER_AGENT", "EDGAR_IDENTITY"),
        sec_base_url=(pick("sec_base_url", "CAPEXWATCH_SEC_BASE_URL") or "").rstrip("/"),
        sec_archives_url=(pick("sec_archives_url", "CAPEXWATCH_SEC_ARCHIVES_URL") or "").rstrip("/"),
        fred_base_url=(pick("fred_base_url", "CAPEXWATCH_FRED_BASE_URL") or "").rstrip("/"),
        fred_csv_url=pick("fred_csv_url", "CAPEXWATCH_FRED_CSV_URL") or "",
        fred_api_key=pick("fred_api_key", "FRED_API_KEY"),
        sec_documents_url=(pick("sec_documents_url", "CAPEXWATCH_SEC_DOCUMENTS_URL") or "").rstrip("/"),
        sec_tickers_url=pick("sec_tickers_url", "CAPEXWATCH_SEC_TICKERS_URL") or "",
    )


@dataclass(frozen=True)
class HttpTuning:
    """The ``CAPEXWATCH_HTTP_*`` overrides of the retry policy; ``None`` where a variable is unset.

    Attributes
    ----------
    timeout_s : seconds per connect/read (``CAPEXWATCH_HTTP_TIMEOUT``)
    retries : attempts per request, the first included (``CAPEXWATCH_HTTP_RETRIES``)
    backoff_s : first backoff in seconds (``CAPEXWATCH_HTTP_BACKOFF``)
    backoff_cap_s : largest backoff in seconds (``CAPEXWATCH_HTTP_BACKOFF_CAP``)
    max_retry_after_s : longest ``Retry-After`` honoured, in seconds (``CAPEXWATCH_HTTP_MAX_RETRY_AFTER``)
    """

    timeout_s: float | None
    retries: float | None
    backoff_s: float | None
    backoff_cap_s: float | None
    max_retry_after_s: float | None


def _env_seconds(name: str) -> float | None:
    """A non-negative number from the environment variable *name*, or ``None`` when unset or empty."""
    raw = os.environ.get(name)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number.", hint=f"Unset {name} or give seconds.") from None
    if value < 0:
        raise ConfigError(f"{name}={raw!r} is negative.", hint=f"Unset {name} or give a positive number.")
    return value


def http_tuning() -> HttpTuning:
    """Read the ``CAPEXWATCH_HTTP_*`` variables now; a malformed one raises :class:`ConfigError`."""
    return HttpTuning(
        retries=_env_seconds("CAPEXWATCH_HTTP_RETRIES"),
        timeout_s=_env_seconds("CAPEXWATCH_HTTP_TIMEOUT"),
        backoff_s=_env_seconds("CAPEXWATCH_HTTP_BACKOFF"),
        backoff_cap_s=_env_seconds("CAPEXWATCH_HTTP_BACKOFF_CAP"),
        max_retry_after_s=_env_seconds("CAPEXWATCH_HTTP_MAX_RETRY_AFTER"),
    )


def debug_enabled() -> bool:
    """Whether ``CAPEXWATCH_DEBUG`` is set (to anything non-empty): show tracebacks of internal errors."""
    return bool(os.environ.get("CAPEXWATCH_DEBUG"))


def lock_wait_s() -> float:
    """Seconds to wait for a store held by another process (``CAPEXWATCH_LOCK_WAIT``, default
    :data:`DEFAULT_LOCK_WAIT_S`; 0 fails at once); a malformed value raises :class:`ConfigError`."""
    value = _env_seconds("CAPEXWATCH_LOCK_WAIT")
    return DEFAULT_LOCK_WAIT_S if value is None else value


def jit_mode() -> str:
    """``CAPEXWATCH_JIT`` as ``"auto"`` (unset or empty: compiled kernels for large runs only),
    ``"off"`` (``0``/``false``/``no``/``off``) or ``"on"`` (anything else: always); whether Numba is
    installed is :mod:`capexwatch.models._jit`'s question."""
    raw = os.environ.get("CAPEXWATCH_JIT", "").strip().lower()
    if not raw:
        return "auto"
    return "off" if raw in {"0", "false", "no", "off"} else "on"
