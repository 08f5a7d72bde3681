import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# AppTest runs the pages in this process: their jobs run in threads here too (the served app's tests and
# the Dask tests start real worker processes; see tests/e2e and tests/test_executor.py)
os.environ.setdefault("IMBALANCE_LAB_ENGINE", "inprocess")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from imbalance_core import load_builtin  # noqa: E402


@pytest.fixture(scope="session")
def moons():
    return load_builtin("moons", n_samples=240, imbalance_ratio=5, seed=1)


@pytest.fixture(scope="session")
def wine():
    return load_builtin("wine_thinned")


@pytest.fixture
def rng():
    return np.random.default_rng(0)
