"""Optional compiled kernels: Numba (the ``fast`` extra) where it is installed, plain NumPy otherwise.

A model with a compiled kernel keeps its vectorised NumPy kernel as the default path and checks
:func:`enabled` per call; both are tested against the model's per-path Python reference, and against
each other (tests/models/test_jit.py), so results do not depend on whether the extra is installed
beyond floating-point rounding of the operations' order.

``CAPEXWATCH_JIT=0`` turns the compiled kernels off (see :mod:`capexwatch.config`). Compiled code is
cached on disk (``cache=True``: next to the module, or in Numba's user cache directory when the
package directory is read-only), so only the first call in a fresh installation pays the compile.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from capexwatch import config

__all__ = ["available", "compile_kernel", "enabled"]

F = TypeVar("F", bound=Callable[..., Any])


@functools.cache
def available() -> bool:
    """Whether Numba can be imported (the ``fast`` extra)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def enabled() -> bool:
    """Whether compiled kernels are to be used now: Numba installed and ``CAPEXWATCH_JIT`` not ``0``."""
    return config.jit_requested() and available()


def compile_kernel(fn: F) -> F:
    """Compile *fn* with ``numba.njit(cache=True, nogil=True)`` on first use; *fn* itself where Numba
    is missing (then it runs as plain Python: correct, slow, meant only for tests of the kernel's
    logic on a few paths).

    The decorated function is compiled lazily, on its first call, so importing a model never pays
    for compilation."""
    compiled: list[Callable[..., Any]] = []

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        if not compiled:
            if available():
                import numba

                try:
                    compiled.append(numba.njit(cache=True, nogil=True)(fn))
                except RuntimeError:  # no cache locator (a function without a source file)
                    compiled.append(numba.njit(nogil=True)(fn))
            else:
                compiled.append(fn)
        return compiled[0](*args, **kwargs)

    call.py_func = fn  # type: ignore[attr-defined]
    return call  # type: ignore[return-value]
