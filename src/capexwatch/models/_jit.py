"""Optional compiled kernels: Numba (the ``fast`` extra) where it is installed, plain NumPy otherwise.

A model with a compiled kernel keeps its vectorised NumPy kernel as the default path and checks
:func:`enabled` per call; both are tested against the model's per-path Python reference, and against
each other (tests/models/test_compiled_kernels.py, test_supply_chain_jit.py), so results do not
depend on whether the extra is installed beyond floating-point rounding of the operations' order.

By default (``CAPEXWATCH_JIT`` unset) a compiled kernel runs only for runs of at least
:data:`MIN_WORK` path-periods: below that, importing Numba (about a second) and loading the cached
machine code cost more than the NumPy kernel itself (``capexwatch report`` runs many small
simulations). ``CAPEXWATCH_JIT=1`` always compiles, ``0`` never (see :mod:`capexwatch.config`). Compiled code is
cached on disk (``cache=True``: next to the module, or in Numba's user cache directory when the
package directory is read-only), so only the first call in a fresh installation pays the compile.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from capexwatch import config

__all__ = ["MIN_WORK", "available", "compile_kernel", "enabled"]

F = TypeVar("F", bound=Callable[..., Any])

MIN_WORK = 1_000_000
"""Path-periods (paths x periods of the run a kernel call is part of: ``Context.work``) from which
the compiled kernels run by default: the NumPy kernels take ~0.2 us per path-period
(benchmarks/RESULTS.md), so below ~1M (one engine work block of 65,536 paths x 16 quarters) the
second spent importing Numba and loading its cache is not won back. The report's simulations (a
few thousand paths) stay on NumPy."""


@functools.cache
def available() -> bool:
    """Whether Numba can be imported (the ``fast`` extra)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def enabled(work: int | None = None) -> bool:
    """Whether a compiled kernel is to be used now for *work* path-periods: Numba installed and
    ``CAPEXWATCH_JIT`` not ``0``; unset, only from :data:`MIN_WORK` on (``None``: size unknown, yes)."""
    mode = config.jit_mode()
    if mode == "off" or (mode != "on" and work is not None and work < MIN_WORK):
        return False
    return available()  # last: it imports Numba (~0.5 s), which a small run never needs


def compile_kernel(fn: F) -> F:
    """Compile *fn* with ``numba.njit(cache=True, nogil=True)`` on first use; *fn* itself where Numba
    is missing (then it runs as plain Python: correct, slow, meant only for tests of the kernel's
    logic on a few paths).

    The decorated function is compiled lazily, on its first call, so importing a model never pays
    for compilation."""
    compiled: list[Callable[..., Any]] = []
    lock = threading.Lock()  # Dask threads may make the first call together: compile once

    def _kernel() -> Callable[..., Any]:
        with lock:
            if not compiled:
                compiled.append(_compile(fn) if available() else fn)
        return compiled[0]

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        return (compiled[0] if compiled else _kernel())(*args, **kwargs)

    call.py_func = fn  # type: ignore[attr-defined]
    return call  # type: ignore[return-value]


def _compile(fn: Callable[..., Any]) -> Callable[..., Any]:
    import numba

    try:
        return numba.njit(cache=True, nogil=True)(fn)
    except RuntimeError:  # no cache locator (a function without a source file)
        return numba.njit(nogil=True)(fn)
