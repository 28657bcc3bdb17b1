import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def virtwire():
    """Path of the built `virtwire`; meson passes it in VIRTWIRE."""
    path = os.environ.get("VIRTWIRE")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("set VIRTWIRE to the built virtwire binary (meson test does)")
    return path


@pytest.fixture
def run(virtwire):
    def _run(*args, stdin=None, timeout=30):
        return subprocess.run([virtwire, *args], input=stdin, capture_output=True,
                              timeout=timeout)
    return _run
