"""Shared pieces of the playground tests: an app on a fixed port for Starlette's TestClient."""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("starlette")

with warnings.catch_warnings():  # starlette 1.x prefers httpx2; httpx works the same here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from lucidnet.playground.server import Playground

PORT = 8765
ORIGIN = f"http://127.0.0.1:{PORT}"


@pytest.fixture
def playground() -> Playground:
    app = Playground(PORT, seed=7, token="secret-token")
    yield app
    app.stop_sessions()


@pytest.fixture
def client(playground: Playground) -> TestClient:
    with TestClient(playground.app, base_url=ORIGIN) as test_client:
        yield test_client
