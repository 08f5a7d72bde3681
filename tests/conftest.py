import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# AppTest runs the pages in this process: their jobs run in threads here too (the served app's tests and
# the Dask tests start real worker processes; see tests/e2e and tests/test_executor.py)
os.environ.setdefault("IMBALANCE_LAB_ENGINE", "inprocess")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from streamlit.runtime.scriptrunner import script_runner  # noqa: E402

from imbalance_core import load_builtin  # noqa: E402

# After every script run Streamlit calls keras.backend.clear_session() if Keras is loaded in the process. The served
# app's web server never loads Keras (training runs on worker processes), so it never happens there. Under AppTest
# the jobs train in this process: Streamlit would clear Keras' process-wide state (and TensorFlow's kernel cache)
# after each script run, while a job may be training in another thread, and the tests would pay for it (half of an
# AppTest test's time). The tests run the app as the server runs it: without that clean-up (the app uses no
# matplotlib, the clean-up's other concern).
script_runner._clean_problem_modules = lambda: None


# pytest-xdist gives a worker one whole test file at a time (--dist loadfile), in collection order: the longest files go
# first, so that the last ones are short and neither worker waits long for the other at the end (the browser file,
# first, runs beside all the others).
LONGEST_FIRST = ("e2e/test_browser.py", "test_executor.py", "test_pages.py", "test_hostile.py", "test_export.py",
                 "test_cli.py", "test_kernel.py", "test_lesson_pages.py", "test_share.py", "test_experiment.py",
                 "test_datasets.py")


def pytest_collection_modifyitems(items):
    def rank(item) -> tuple[int, str]:
        path = item.nodeid.split("::")[0].removeprefix("tests/")
        return (LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST), path)

    items.sort(key=rank)  # stable: a file's own tests keep their order


@pytest.fixture(scope="session")
def moons():
    return load_builtin("moons", n_samples=240, imbalance_ratio=5, seed=1)


@pytest.fixture(scope="session")
def wine():
    return load_builtin("wine_thinned")


@pytest.fixture
def rng():
    return np.random.default_rng(0)
