"""How the web app reaches the store: short read-only opens, one short write, a memo of answers.

DuckDB lets one process write a file, or several read it, never both at once. The server
therefore holds no connection between requests: each read opens the store read-only, answers and
closes, so that a ``capexwatch update`` in another process finds the file free between requests.
Inside this process a read-only and a read-write connection to one file cannot coexist either, so
reads share and the one write (saving a simulation run) is exclusive (:class:`_ReadWriteLock`).

Answers are memoised by (what was asked, the store's version): the version is the size and
modification time of the DuckDB file, its write-ahead log and the user's ``thresholds.toml``, so
any write (by this server or another process) or a changed threshold makes a fresh answer. The
memo holds what the same functions returned; it computes nothing of its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from capexwatch.errors import StoreError

if TYPE_CHECKING:
    from capexwatch.store.db import Store

__all__ = ["StoreAccess"]

T = TypeVar("T")

_MEMO_SIZE = 256
"""Answers kept (each a small JSON-ready structure or an HTML fragment)."""


class _ReadWriteLock:
    """Many readers or one writer (writers wait for readers to leave; new readers wait for a writer)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._waiting_writers = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writing or self._waiting_writers:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._waiting_writers += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._waiting_writers -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class _Failed:
    """A remembered lookup failure (unknown ticker, signal, run): raised again on a memo hit."""

    def __init__(self, exc: LookupError) -> None:
        self.exc = exc


def _unwrap(value: Any) -> Any:
    if isinstance(value, _Failed):
        raise value.exc
    return value


def _stat(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return (0, 0)
    return (st.st_size, st.st_mtime_ns)


def _busy(exc: StoreError) -> StoreError:
    """A lock conflict with what to do (the API answers 503 with a hint); other errors unchanged."""
    if "in use" in exc.message or "lock" in exc.message.lower():
        return StoreError(
            f"{exc.message} (another capexwatch process, such as `capexwatch update`, is writing it).",
            hint="Wait for it to finish and reload; the server keeps serving and reads again on the next request.",
        )
    return exc


class StoreAccess:
    """Read-only opens per request, an exclusive short write, and the memo of answers.

    Parameters
    ----------
    path : the DuckDB file (default: the settings' ``CAPEXWATCH_DB`` / ``$CAPEXWATCH_HOME``)
    """

    def __init__(self, path: str | Path | None = None) -> None:
        from capexwatch.config import get_settings, home_dir

        self.path = Path(path) if path is not None else get_settings().db_path
        self._thresholds = home_dir() / "thresholds.toml"
        self._lock = _ReadWriteLock()
        self._memo: OrderedDict[Hashable, Any] = OrderedDict()
        self._memo_lock = threading.Lock()
        self._inflight: dict[Hashable, threading.Lock] = {}

    # -------------------------------------------------------------------- opening

    def ensure(self) -> None:
        """Create the store and load the bundled snapshot if this is its first use (one write)."""
        import capexwatch

        with self._lock.write():
            try:
                store = capexwatch.open(self.path)
            except StoreError as exc:
                raise _busy(exc) from exc
            store.close()

    def version(self) -> tuple[Any, ...]:
        """Changes whenever the store or the user's thresholds change."""
        wal = self.path.with_name(self.path.name + ".wal")
        return (_stat(self.path), _stat(wal), _stat(self._thresholds))

    @contextmanager
    def reading(self) -> Iterator[Store]:
        """A read-only store for the length of one answer."""
        import capexwatch

        with self._lock.read():
            try:
                store = capexwatch.open(self.path, read_only=True)
            except StoreError as exc:
                raise _busy(exc) from exc
            try:
                yield store
            finally:
                store.close()

    @contextmanager
    def writing(self) -> Iterator[Store]:
        """A writable store for one short write (saving a run); readers in this process wait."""
        import capexwatch

        with self._lock.write():
            try:
                store = capexwatch.open(self.path)
            except StoreError as exc:
                raise _busy(exc) from exc
            try:
                yield store
            finally:
                store.close()

    # -------------------------------------------------------------------- memo

    def read(self, key: Hashable, fn: Callable[[Store], T]) -> T:
        """``fn(store)`` on a read-only store, memoised under *key* and the store's version.

        Concurrent requests for one key wait for the first to finish rather than all computing it.
        """
        full = (key, self.version())
        found, value = self._lookup(full)
        if found:
            return _unwrap(value)  # type: ignore[no-any-return]
        with self._memo_lock:
            gate = self._inflight.setdefault(full, threading.Lock())
        try:
            with gate:
                found, value = self._lookup(full)
                if found:
                    return _unwrap(value)  # type: ignore[no-any-return]
                with self.reading() as store:
                    try:
                        value = fn(store)
                    except LookupError as exc:  # an unknown name stays unknown until the store changes
                        self._remember(full, _Failed(exc))
                        raise
                self._remember(full, value)
        finally:
            with self._memo_lock:
                self._inflight.pop(full, None)
        return value

    def _lookup(self, full: Hashable) -> tuple[bool, Any]:
        with self._memo_lock:
            if full in self._memo:
                self._memo.move_to_end(full)
                return True, self._memo[full]
        return False, None

    def _remember(self, full: Hashable, value: Any) -> None:
        with self._memo_lock:
            self._memo[full] = value
            while len(self._memo) > _MEMO_SIZE:
                self._memo.popitem(last=False)
