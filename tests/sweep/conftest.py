"""Ray tests are opt-in (``pytest -m ray``, with ``pip install 'lucidnet[ray]'``): Ray is large
and slow to start, and the default backends must not need it."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "ray" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="Ray tests are opt-in: pytest -m ray")
    for item in items:
        if item.get_closest_marker("ray") is not None:
            item.add_marker(skip)
