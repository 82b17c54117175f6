"""The optional ``ray`` backend (its run is opt-in: ``pytest -m ray`` with ``lucidnet[ray]``)."""

from __future__ import annotations

import numpy as np
import pytest
from sweep_helpers import GRID, build, data, scores

import lucidnet as ln

SETTINGS = {"cv": 2, "epochs": 2, "refit": False, "progress": False}


@pytest.mark.ray
def test_ray_gives_exactly_the_serial_scores():
    pytest.importorskip("ray")
    x, y = data(60)
    serial = ln.sweep(build, GRID, x, y, backend="serial", **SETTINGS)
    on_ray = ln.sweep(build, GRID, x, y, backend="ray", **SETTINGS)
    np.testing.assert_array_equal(scores(on_ray), scores(serial))


def test_without_ray_the_backend_says_how_to_install_it():
    try:
        import ray  # noqa: F401
    except ImportError:
        x, y = data(30)
        with pytest.raises(ImportError, match=r"pip install 'lucidnet\[ray\]'"):
            ln.sweep(build, GRID, x, y, backend="ray", **SETTINGS)
    else:
        pytest.skip("Ray is installed")
