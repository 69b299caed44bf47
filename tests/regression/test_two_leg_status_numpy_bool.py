"""Regression: a NumPy False on one leg and an unknown other leg must give ``ok`` (the trigger
cannot fire), not ``insufficient-data``. ``two_leg_status`` tested ``is False``, which a NumPy
boolean never is; Oracle's capex_vs_cloud read insufficient-data on the bundled data because of it."""

import numpy as np

from capexwatch.signals._runs import two_leg_status


def test_numpy_false_leg_with_unknown_other_leg_is_ok() -> None:
    for false in (False, np.False_, np.bool_(False)):
        assert two_leg_status(false, 0, False, None, None, False, 2)[0] == "ok"
        assert two_leg_status(None, None, False, false, 0, False, 2)[0] == "ok"
    assert two_leg_status(np.True_, 1, True, None, None, False, 2)[0] == "insufficient-data"
    assert two_leg_status(None, None, False, None, None, False, 2)[0] == "insufficient-data"
