"""How the web app reaches the store: short read-only opens, one short write, a memo of answers.

DuckDB lets one process write a file, or several read it, never both at once. The server
therefore holds no connection between requests: a read that the memo cannot answer opens the store
read-only, answers and closes, so that a ``capexwatch update`` in another process finds the file
free between two such reads (and a memo hit opens nothing). Inside this process a read-only and a
read-write connection to one file cannot coexist either, so reads share and the one write (saving
a simulation run) is exclusive (:class:`_ReadWriteLock`).

Answers are memoised by what was asked, for one version of the store: the version is the identity
(inode), size, modification and change times of the DuckDB file, its write-ahead log and the user's
``thresholds.toml``. Every lookup compares the version first and drops the whole memo when it
moved, so an answer is never served after any write (by this server or another process) or a
changed threshold. A writer cannot change the file while a read holds it open, so a change always
comes after the version that read was filed under. The memo holds what the same functions
returned; it computes nothing of its own.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from capexwatch.errors import StoreBusyError, StoreError

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


def _stat(path: str) -> tuple[int, ...]:
    """What changes when *path* is written or replaced (all zero while it does not exist)."""
    try:
        st = os.stat(path)
    except OSError:
        return (0, 0, 0, 0)
    # the inode and ctime catch a file replaced by another of the same size and mtime (cp -p, mv)
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _busy(exc: StoreError) -> StoreError:
    """Another process's lock, said for a web user (the API answers 503); other errors unchanged."""
    if isinstance(exc, StoreBusyError):
        return StoreBusyError(
            f"{exc.message} (another capexwatch process, such as `capexwatch update`, is writing it).",
            hint="Another capexwatch process (such as `capexwatch update`) is writing the store; "
            "the server keeps serving: retry in a few seconds.",
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
        # what the version stats, as strings: checked on every request, before the memo
        self._watched = tuple(
            str(p) for p in (self.path, self.path.with_name(self.path.name + ".wal"), home_dir() / "thresholds.toml")
        )
        self._lock = _ReadWriteLock()
        self._memo: OrderedDict[Hashable, Any] = OrderedDict()
        self._memo_version: tuple[Any, ...] | None = None
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
        """Changes whenever the store (its file or write-ahead log) or the user's thresholds change."""
        return tuple(_stat(p) for p in self._watched)

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

    def peek(self, key: Hashable) -> tuple[bool, Any]:
        """``(True, answer)`` if *key* is memoised for the store as it is now, else ``(False, None)``.

        Opens nothing and computes nothing (three ``stat`` calls and a dict lookup), so the web
        app answers a hit on its event loop; a remembered lookup failure is raised again.
        """
        found, value = self._lookup(key, self._current())
        return (True, _unwrap(value)) if found else (False, None)

    def read(self, key: Hashable, fn: Callable[[Store], T]) -> T:
        """``fn(store)`` on a read-only store, memoised under *key* for the store's current version.

        Concurrent requests for one key wait for the first to finish rather than all computing it.
        """
        version = self._current()
        found, value = self._lookup(key, version)
        if found:
            return _unwrap(value)  # type: ignore[no-any-return]
        full = (key, version)
        with self._memo_lock:
            gate = self._inflight.setdefault(full, threading.Lock())
        try:
            with gate:
                found, value = self._lookup(key, version)
                if found:
                    return _unwrap(value)  # type: ignore[no-any-return]
                with self.reading() as store:
                    try:
                        value = fn(store)
                    except LookupError as exc:  # an unknown name stays unknown until the store changes
                        self._remember(key, version, _Failed(exc))
                        raise
                self._remember(key, version, value)
        finally:
            with self._memo_lock:
                self._inflight.pop(full, None)
        return value

    def _current(self) -> tuple[Any, ...]:
        """The store's version now; the memo of an older version is dropped (never served again)."""
        version = self.version()
        with self._memo_lock:
            if version != self._memo_version:
                self._memo.clear()
                self._memo_version = version
        return version

    def _lookup(self, key: Hashable, version: tuple[Any, ...]) -> tuple[bool, Any]:
        with self._memo_lock:
            if version == self._memo_version and key in self._memo:
                self._memo.move_to_end(key)
                return True, self._memo[key]
        return False, None

    def _remember(self, key: Hashable, version: tuple[Any, ...], value: Any) -> None:
        with self._memo_lock:
            # an answer read before a write that has since happened is returned once, never kept
            if version != self._memo_version:
                return
            self._memo[key] = value
            while len(self._memo) > _MEMO_SIZE:
                self._memo.popitem(last=False)
