"""The server in-process (Starlette's TestClient): security rules, the WebSocket, state, exports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from starlette.websockets import WebSocketDisconnect

import lucidnet
from lucidnet.playground import data, frames
from lucidnet.playground.protocol import MAX_MESSAGE_BYTES

from .conftest import ORIGIN, PORT

TOKEN = "secret-token"
SOURCE = str(Path(lucidnet.__file__).parents[1])  # this checkout's lucidnet, in a subprocess too
WS = f"ws://127.0.0.1:{PORT}/ws?token={TOKEN}"  # TestClient sends the Host of the URL


def receive(ws) -> tuple[str, object]:
    """The next message: ("json", dict), ("frame", (header, arrays)) or ("close", code)."""
    message = ws.receive()
    if message["type"] == "websocket.close":
        return "close", message["code"]
    if message.get("bytes") is not None:
        return "frame", frames.decode(message["bytes"])
    return "json", json.loads(message["text"])


def until(ws, predicate, limit: int = 400):
    for _ in range(limit):
        kind, payload = receive(ws)
        if predicate(kind, payload):
            return kind, payload
    raise AssertionError("the expected message did not come")


def is_frame(epoch_at_least: int = 0):
    return lambda kind, payload: kind == "frame" and payload[0]["epoch"] >= epoch_at_least


@pytest.mark.parametrize(
    "path", ["/", "/static/app.js", "/api/state", "/export/model.py", "/export/model.safetensors"]
)
def test_every_request_without_the_token_is_forbidden(client, path: str) -> None:
    assert client.get(path).status_code == 403
    assert client.get(f"{path}?token=wrong").status_code == 403


def test_the_page_sets_a_strict_csp_and_a_cookie_that_carries_the_token(client) -> None:
    page = client.get(f"/?token={TOKEN}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    script = client.get("/static/app.js")  # the cookie from the page authorizes the modules
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert script.headers["content-security-policy"] == page.headers["content-security-policy"]


@pytest.mark.parametrize(
    "host", ["evil.example:8765", "127.0.0.1:9999", "localhost", "0.0.0.0:8765"]
)
def test_a_foreign_host_header_is_refused(client, host: str) -> None:
    response = client.get(f"/api/state?token={TOKEN}", headers={"host": host})
    assert response.status_code == 400


def test_localhost_with_the_port_is_accepted(client) -> None:
    assert client.get(f"/?token={TOKEN}", headers={"host": f"localhost:{PORT}"}).status_code == 200


def test_only_shipped_files_and_get_are_served(client) -> None:
    assert client.get(f"/static/..%2fserver.py?token={TOKEN}").status_code == 404
    assert client.get(f"/static/server.py?token={TOKEN}").status_code == 404
    assert client.post(f"/api/state?token={TOKEN}").status_code == 405


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (f"ws://127.0.0.1:{PORT}/ws", {"origin": ORIGIN}),
        (f"ws://evil.example:{PORT}/ws?token={TOKEN}", {"origin": ORIGIN}),
        (WS, {"origin": "http://evil.example"}),
        (WS, {"origin": "http://127.0.0.1:9999"}),
        (WS, {}),
    ],
)
def test_a_websocket_without_token_or_from_another_origin_is_refused(client, path, headers) -> None:
    with pytest.raises(WebSocketDisconnect), client.websocket_connect(path, headers=headers) as ws:
        ws.receive()


def test_the_websocket_says_hello_then_the_model_then_frames_in_order_while_playing(client) -> None:
    with client.websocket_connect(WS, headers={"origin": ORIGIN}) as ws:
        kind, hello = receive(ws)
        assert kind == "json" and hello["type"] == "hello" and hello["defaults"]["seed"] == 7
        kind, model = receive(ws)
        assert model["type"] == "model" and model["settings"]["dataset"] == "circle"
        ws.send_text(
            json.dumps(
                {
                    "type": "settings",
                    "settings": {"dataset": "spiral", "classes": 3, "speed": "fast"},
                }
            )
        )
        until(
            ws,
            lambda kind, payload: (
                kind == "json" and payload["type"] == "model" and payload["classes"] == 3
            ),
        )
        ws.send_text(json.dumps({"type": "play"}))
        sequence, epochs, history = [], [], []
        for _ in range(300):
            kind, payload = receive(ws)
            if kind == "frame":
                header, arrays = payload
                sequence.append(header["seq"])
                epochs.append(header["epoch"])
                history += [entry[0] for entry in header["history"]]
                assert arrays["output"].shape == (data.GRID, data.GRID, 3)
                if header["epoch"] >= 5:
                    break
        ws.send_text(json.dumps({"type": "pause"}))
        assert sequence == sorted(sequence) and len(set(sequence)) == len(sequence)
        assert epochs == sorted(epochs) and epochs[-1] >= 5
        assert history == list(range(1, len(history) + 1))  # no epoch lost between frames


def test_state_and_exports_describe_the_session_of_the_page(client, tmp_path: Path) -> None:
    with client.websocket_connect(WS, headers={"origin": ORIGIN}) as ws:
        ws.send_text(
            json.dumps(
                {
                    "type": "settings",
                    "settings": {
                        "dataset": "moons",
                        "features": ["x1", "x2", "x1x2"],
                        "layers": [{"units": 5, "activation": "relu"}],
                    },
                }
            )
        )
        until(
            ws,
            lambda kind, payload: (
                kind == "json"
                and payload.get("type") == "model"
                and payload["settings"]["dataset"] == "moons"
            ),
        )
        for _ in range(3):
            ws.send_text(json.dumps({"type": "step"}))
        until(ws, is_frame(3))
        state = client.get(f"/api/state?token={TOKEN}").json()
        assert state["epoch"] == 3 and state["settings"]["dataset"] == "moons"
        assert [layer["units"] for layer in state["layers"]] == [5, 2]
        assert np.array(state["layers"][0]["kernel"]).shape == (3, 5)
        assert len(state["points"]["train"]["x"]) == 250
        (tmp_path / "model.py").write_text(client.get(f"/export/model.py?token={TOKEN}").text)
        (tmp_path / "model.safetensors").write_bytes(
            client.get(f"/export/model.safetensors?token={TOKEN}").content
        )
    result = subprocess.run(
        [sys.executable, "model.py", "--grid", "grid.npy"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": SOURCE},
    )
    assert result.returncode == 0, result.stderr
    served = np.array(state["predictions"])
    np.testing.assert_allclose(np.load(tmp_path / "grid.npy"), served, rtol=0, atol=1e-6)


def test_a_message_over_4_kb_closes_with_1009(client) -> None:
    with client.websocket_connect(WS, headers={"origin": ORIGIN}) as ws:
        ws.send_text(json.dumps({"type": "ping", "pad": "x" * MAX_MESSAGE_BYTES}))
        assert until(ws, lambda kind, payload: kind == "close") == ("close", 1009)


@pytest.mark.parametrize(
    "text",
    [
        "{broken",
        json.dumps({"type": "play", "now": True}),
        json.dumps({"type": "settings", "settings": {"n_samples": 10**6}}),
    ],
)
def test_a_malformed_message_closes_with_1008(client, text: str) -> None:
    with client.websocket_connect(WS, headers={"origin": ORIGIN}) as ws:
        ws.send_text(text)
        assert until(ws, lambda kind, payload: kind == "close") == ("close", 1008)


def test_a_flood_of_messages_closes_the_socket(client) -> None:
    with client.websocket_connect(WS, headers={"origin": ORIGIN}) as ws:
        for _ in range(200):
            ws.send_text(json.dumps({"type": "ping"}))
        assert until(ws, lambda kind, payload: kind == "close", limit=1000) == ("close", 1008)


def test_a_setting_that_does_not_fit_is_reported_and_the_session_goes_on(client) -> None:
    with client.websocket_connect(WS, headers={"origin": ORIGIN}) as ws:
        ws.send_text(
            json.dumps(
                {
                    "type": "settings",
                    "settings": {"dataset": "spiral", "classes": 4, "loss": "hinge"},
                }
            )
        )
        _kind, error = until(
            ws, lambda kind, payload: kind == "json" and payload["type"] == "error"
        )
        assert "classes" in error["message"]
        ws.send_text(json.dumps({"type": "step"}))
        until(ws, is_frame(1))


def test_an_idle_socket_is_closed(playground) -> None:
    from starlette.testclient import TestClient

    playground.idle_timeout = 0.2
    with (
        TestClient(playground.app, base_url=ORIGIN) as client,
        client.websocket_connect(WS, headers={"origin": ORIGIN}) as ws,
    ):
        assert until(ws, lambda kind, payload: kind == "close") == ("close", 1001)


def test_editing_a_weight_changes_the_served_network(client) -> None:
    with client.websocket_connect(WS, headers={"origin": ORIGIN}) as ws:
        until(ws, is_frame(0))
        ws.send_text(
            json.dumps({"type": "set_weight", "layer": 0, "unit": 1, "source": 0, "value": 2.5})
        )
        ws.send_text(
            json.dumps({"type": "set_weight", "layer": 1, "unit": 0, "source": -1, "value": -0.5})
        )
        until(ws, lambda kind, payload: kind == "frame" and payload[1]["b2"][0] == -0.5)
        layers = client.get(f"/api/state?token={TOKEN}").json()["layers"]
        assert layers[0]["kernel"][0][1] == 2.5 and layers[1]["bias"][0] == -0.5
        ws.send_text(
            json.dumps({"type": "set_weight", "layer": 0, "unit": 9, "source": 0, "value": 1.0})
        )
        _kind, error = until(
            ws, lambda kind, payload: kind == "json" and payload["type"] == "error"
        )
        assert "outside layer 0" in error["message"]


def test_closing_the_page_stops_its_training_thread(client, playground) -> None:
    with client.websocket_connect(WS, headers={"origin": ORIGIN}) as ws:
        ws.send_text(json.dumps({"type": "play"}))
        until(ws, is_frame(2))
        (runner,) = playground.runners
    runner.thread.join(5)
    assert not runner.thread.is_alive() and playground.runners == []


def test_regenerate_draws_new_data_from_the_next_seed(client) -> None:
    with client.websocket_connect(WS, headers={"origin": ORIGIN}) as ws:
        _kind, model = until(
            ws, lambda kind, payload: kind == "json" and payload["type"] == "model"
        )
        ws.send_text(json.dumps({"type": "regenerate"}))
        _kind, again = until(
            ws, lambda kind, payload: kind == "json" and payload["type"] == "model"
        )
    assert again["settings"]["seed"] == model["settings"]["seed"] + 1
    assert again["points"]["train"]["x"] != model["points"]["train"]["x"]


def test_training_pauses_by_itself_at_the_stop_epoch(client) -> None:
    with client.websocket_connect(WS, headers={"origin": ORIGIN}) as ws:
        ws.send_text(
            json.dumps({"type": "settings", "settings": {"stop_epoch": 4, "speed": "fast"}})
        )
        ws.send_text(json.dumps({"type": "play"}))
        until(
            ws,
            lambda kind, payload: kind == "json" and payload == {"type": "status", "playing": True},
        )
        until(
            ws,
            lambda kind, payload: (
                kind == "json" and payload == {"type": "status", "playing": False}
            ),
        )
        assert client.get(f"/api/state?token={TOKEN}").json()["epoch"] == 4


def test_pages_beyond_the_session_cap_are_turned_away_with_1013(playground) -> None:
    from starlette.testclient import TestClient

    playground.max_sessions = 1
    with (
        TestClient(playground.app, base_url=ORIGIN) as client,
        client.websocket_connect(WS, headers={"origin": ORIGIN}) as first,
    ):
        until(first, is_frame(0))
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect(WS, headers={"origin": ORIGIN}) as second,
        ):
            second.receive()
        assert refused.value.code == 1013
