"""The verbs of the public API that have no other home: open the store, read one metric's quarters.

The package namespace (:mod:`capexwatch`) re-exports these with the verbs that live beside their
layer (``update``, ``ingest``, ``simulate``, ``build_report`` ...).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from capexwatch.store.db import Store

__all__ = ["open", "quarters"]


def open(path: str | Path | None = None, *, read_only: bool = False) -> Store:  # noqa: A001
    """Open (creating and loading the bundled snapshot on first use) the capexwatch store.

    Parameters
    ----------
    path : DuckDB file; default ``$CAPEXWATCH_HOME/capexwatch.duckdb``
    read_only : open without write access (several readers may share the file)
    """
    from capexwatch.store.load import open_store

    return open_store(path, read_only=read_only)


def quarters(
    store: Store,
    company: str | int,
    metric: str,
    *,
    view: str = "latest",
    source: str = "all",
    as_of: str | dt.date | None = None,
) -> pd.DataFrame:
    """One canonical metric of one company, quarter by quarter, each value with its source.

    Parameters
    ----------
    store : an open store (see :func:`open`)
    company : ticker (any case) or SEC CIK
    metric : canonical metric name (see ``capexwatch metrics``); values in base units (USD)
    view : ``"latest"`` (most recently filed) or ``"first-filed"`` (what was first reported)
    source : ``"all"``, ``"sec"``, ``"curated"`` or ``"user"``
    as_of : only figures public by this date

    Returns
    -------
    pandas.DataFrame
        panel rows (``store.db.PANEL_COLUMNS``), oldest quarter first.

    Raises
    ------
    UnknownMetricError, UnknownTickerError
    """
    from capexwatch.metrics import get_metric

    get_metric(metric)
    entity = store.entity(company)
    return store.quarters(entity["ticker"], metric, view=view, source=source, as_of=as_of)
