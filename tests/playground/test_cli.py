"""``lucidnet playground`` in a subprocess and ``ln.playground.serve`` with a real uvicorn server."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import lucidnet as ln

pytest.importorskip("uvicorn")

SOURCE = str(Path(ln.__file__).parents[1])
LINE = re.compile(r"^lucidnet playground: http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]{20,})$")


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lucidnet.cli", "playground", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": SOURCE},
    )


def get(url: str, host: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_the_command_prints_one_url_line_serves_and_stops_on_a_signal(signum: int) -> None:
    process = start("--port", "0", "--no-browser", "--seed", "3")
    try:
        line = process.stdout.readline().rstrip("\n")
        match = LINE.match(line)
        assert match, line
        port, token = match.groups()
        status, body = get(f"http://127.0.0.1:{port}/api/state?token={token}")
        assert status == 200 and json.loads(body)["settings"]["seed"] == 3
        assert get(f"http://127.0.0.1:{port}/api/state")[0] == 403
        process.send_signal(signum)
        process.wait(timeout=5)  # SPEC: within 2 s; the margin is for a loaded CI machine
        assert process.stdout.read() == ""  # exactly one line was printed
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("host", ["0.0.0.0", "localhost", "192.168.1.10"])
def test_any_other_host_is_refused_with_exit_code_2_and_one_line(host: str) -> None:
    process = start("--host", host, "--no-browser")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert out == "" and len(err.strip().splitlines()) == 1 and "127.0.0.1" in err


def receive_until_closed(ws) -> None:
    while True:  # frames sent before the close come first; the close frame ends the iteration
        ws.recv(timeout=30)


def test_serve_returns_a_server_with_url_and_stop_and_uvicorn_enforces_the_size_cap() -> None:
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    server = ln.playground.serve(port=0, seed=5)
    try:
        assert LINE.match(f"lucidnet playground: {server.url}")
        port = server.url.split(":")[2].split("/")[0]
        assert get(server.url)[0] == 200
        assert get(server.url, host="attacker.example")[0] == 400
        ws_url = f"ws://127.0.0.1:{port}/ws?token={server.token}"
        with connect(ws_url, origin=f"http://127.0.0.1:{port}") as ws:
            assert json.loads(ws.recv(timeout=30))["type"] == "hello"
            ws.send(json.dumps({"type": "ping", "pad": "x" * 5000}))
            with pytest.raises(ConnectionClosed):
                receive_until_closed(ws)
            assert ws.close_code == 1009
    finally:
        server.stop()


def test_a_port_in_use_exits_2_with_one_line_naming_it() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        process = start("--port", str(port), "--no-browser")
        out, err = process.communicate(timeout=60)
    assert process.returncode == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and str(port) in err and "--port 0" in err


def test_import_lucidnet_and_its_playground_module_load_no_web_stack() -> None:
    code = (
        "import sys, lucidnet as ln; ln.playground; import lucidnet.playground.session; "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'websockets') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": SOURCE},
    )
    assert result.stdout.strip() == "[]", result.stderr
