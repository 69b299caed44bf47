"""Errors a user can act on.

Every exception raised for a user's mistake or an outside failure is a :class:`CapexwatchError`
subclass. Its message says what went wrong *and what to do*; the CLI prints it without a traceback
and exits with :attr:`CapexwatchError.exit_code`.
"""

from __future__ import annotations

__all__ = [
    "CapexwatchError",
    "ConfigError",
    "DataError",
    "InputFileError",
    "NetworkError",
    "ScenarioError",
    "StoreError",
    "UnknownMetricError",
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


class UnknownTickerError(CapexwatchError):
    """A ticker or CIK that is neither in the universe nor in the store."""

    exit_code = 2

    def __init__(self, ticker: str, known: list[str]) -> None:
        super().__init__(
            f"Unknown ticker or CIK: {ticker!r}.",
            hint="Known: " + ", ".join(known) + ". Add a company with `capexwatch ingest FILE.csv` "
            "or list companies with `capexwatch universe`.",
        )


class UnknownMetricError(CapexwatchError):
    """A metric name that is not canonical."""

    exit_code = 2

    def __init__(self, metric: str, known: list[str]) -> None:
        super().__init__(
            f"Unknown metric: {metric!r}.",
            hint="Known metrics: " + ", ".join(known) + ". See `capexwatch metrics`.",
        )


class DataError(CapexwatchError):
    """Data are missing or inconsistent for what was asked."""

    exit_code = 5


class NetworkError(CapexwatchError):
    """A remote service failed after retries, or answered with something unusable."""

    exit_code = 6


class ScenarioError(CapexwatchError):
    """A scenario file or preset is invalid; names the field (and line) at fault."""

    exit_code = 2
