"""Pin the public exports: a change here is a change to the API users code against."""

import capexwatch


def test_public_exports() -> None:
    assert sorted(capexwatch.__all__) == sorted(
        [
            "CapexwatchError",
            "ConfigError",
            "DataError",
            "InputFileError",
            "NetworkError",
            "ScenarioError",
            "StoreError",
            "UnknownMetricError",
            "UnknownTickerError",
            "__version__",
            "open",
        ]
    )
    for name in capexwatch.__all__:
        assert hasattr(capexwatch, name)
