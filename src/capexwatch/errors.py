"""Errors a user can act on: the one error vocabulary of capexwatch.

Every exception raised for a user's mistake or an outside failure is a :class:`CapexwatchError`
subclass defined here (other modules import them; none defines its own). Its message says what went
wrong *and what to do*; the CLI prints it without a traceback and exits with
:attr:`CapexwatchError.exit_code`:

====  ==================================================================================
code  meaning
====  ==================================================================================
2     bad input: :class:`InvalidArgumentError` (and a web request's :class:`InvalidRequestError`),
      :class:`InputFileError`, :class:`ScenarioError` (and :class:`DistributionError`), the
      lookups :class:`UnknownTickerError`, :class:`UnknownMetricError`, :class:`UnknownSignalError`,
      :class:`UnknownModelError`, :class:`NotFoundError`
3     settings: :class:`ConfigError`
4     store: :class:`StoreError` (:class:`StoreBusyError` while another process holds it)
5     data: :class:`DataError`
6     network: :class:`NetworkError`, :class:`HttpStatusError`
====  ==================================================================================

A name that is not known also subclasses :class:`LookupError`, and :class:`DistributionError` also
subclasses :class:`ValueError`, so that code catching the built-in kinds keeps working.

The web API (``capexwatch serve``) answers the same errors as JSON ``{error, hint}``: a lookup 404,
bad input or data 422, the store 503 (``capexwatch.web.api.error_status``).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "CapexwatchError",
    "ConfigError",
    "DataError",
    "DistributionError",
    "HttpStatusError",
    "InputFileError",
    "InvalidArgumentError",
    "InvalidRequestError",
    "NetworkError",
    "NotFoundError",
    "ScenarioError",
    "StoreBusyError",
    "StoreError",
    "UnknownMetricError",
    "UnknownModelError",
    "UnknownSignalError",
    "UnknownTickerError",
]


class CapexwatchError(Exception):
    """Base class: a failure with a message a user can act on."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class ConfigError(CapexwatchError):
    """A setting is missing or invalid (User-Agent, home directory, API key, ...)."""

    exit_code = 3


class StoreError(CapexwatchError):
    """The DuckDB store cannot be opened, read or written."""

    exit_code = 4


class StoreBusyError(StoreError):
    """Another process holds the store's file lock (a writer such as ``capexwatch update``) past the wait.

    Retrying later works: the web API answers it 503 with ``Retry-After``.
    """


class InputFileError(CapexwatchError):
    """A file the user gave us is malformed; names the file, line and column."""

    exit_code = 2

    def __init__(
        self,
        path: str,
        message: str,
        *,
        line: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = path
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = path
        self.line = line
        self.column = column


class InvalidArgumentError(CapexwatchError, ValueError):
    """An option or argument's value is not valid: a date that is not one, a count out of range, an unknown kind.

    Also a :class:`ValueError`, so that API callers catching the built-in kind keep working.
    """

    exit_code = 2


class InvalidRequestError(InvalidArgumentError):
    """A web request's query parameter or body field is malformed; :attr:`field` names it.

    The message starts with the field (``"as_of: '2024-13-01' is not a date"``); the API answers
    422 ``{error, hint, field}``.
    """

    def __init__(self, field: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(f"{field}: {message}", hint=hint)
        self.field = field


class NotFoundError(CapexwatchError, LookupError):
    """A thing a request names (a saved run, a preset, an endpoint) does not exist: HTTP 404."""

    exit_code = 2


class UnknownTickerError(CapexwatchError, LookupError):
    """A ticker or CIK that is neither in the universe nor in the store."""

    exit_code = 2

    def __init__(self, ticker: str, known: list[str]) -> None:
        super().__init__(
            f"Unknown ticker or CIK: {ticker!r}.",
            hint="Known: " + ", ".join(known) + ". Add a company with `capexwatch ingest FILE.csv` "
            "or list companies with `capexwatch universe`.",
        )


class UnknownMetricError(CapexwatchError, LookupError):
    """A metric name that is not canonical."""

    exit_code = 2

    def __init__(self, metric: str, known: list[str]) -> None:
        super().__init__(
            f"Unknown metric: {metric!r}.",
            hint="Known metrics: " + ", ".join(known) + ". See `capexwatch metrics`.",
        )


class UnknownSignalError(CapexwatchError, LookupError):
    """A signal name that is not registered."""

    exit_code = 2

    def __init__(self, name: str, known: Sequence[str]) -> None:
        super().__init__(
            f"Unknown signal: {name!r}.",
            hint="Known signals: " + ", ".join(known) + ". List them with `capexwatch signals`.",
        )


class UnknownModelError(CapexwatchError, LookupError):
    """A model name (or alias) that is not registered; the message offers close matches.

    The message is one line (no hint) because scenario validation quotes it after the field name.
    """

    exit_code = 2

    def __init__(self, name: str, known: Sequence[str], close: Sequence[str] = ()) -> None:
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        super().__init__(f"unknown model {name!r}.{hint} Known models: {', '.join(known)}.")
        self.name = name


class DataError(CapexwatchError):
    """Data are missing or inconsistent for what was asked."""

    exit_code = 5


class NetworkError(CapexwatchError):
    """A remote service failed after retries, or answered with something unusable."""

    exit_code = 6


class HttpStatusError(NetworkError):
    """The server answered with an HTTP error status that retrying will not fix (403, 404, ...)."""

    def __init__(self, message: str, *, status: int, url: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.url = url


class ScenarioError(CapexwatchError):
    """A scenario file or preset is invalid; names the field (and line) at fault."""

    exit_code = 2


class DistributionError(ScenarioError, ValueError):
    """A distribution spec in a scenario is invalid; ``field`` names the offending key.

    Scenario validation catches it and reports it with the YAML line of ``field``.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
