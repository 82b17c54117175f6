"""The playground's web server: Starlette routes, the security rules, uvicorn in a thread.

Security: the socket binds 127.0.0.1 only; every HTTP request and
the WebSocket need the token (from ``?token=`` or the cookie the page gets with
it); the ``Host`` must be ``127.0.0.1:PORT`` or ``localhost:PORT`` (DNS
rebinding); a WebSocket's ``Origin`` must be the page's own; client messages are
at most 4 kB (1009 otherwise), match their schema (1008 otherwise) and come at
a bounded rate; a socket silent for ``idle_timeout`` seconds is closed; every
response carries ``Content-Security-Policy: default-src 'self'``.  Only GET
(and HEAD) are served, and only the files shipped in ``static/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import socket
import threading
import time
from http.cookies import SimpleCookie
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from .frames import clean
from .protocol import DEFAULT_SETTINGS, MAX_MESSAGE_BYTES, ProtocolError, options, parse_message
from .runner import Runner
from .session import Session

HOST = "127.0.0.1"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
MESSAGE_RATE = 40.0
"""Client messages per second allowed on average (a burst of twice that is allowed)."""


def _static_files() -> dict[str, bytes]:
    """The page's files, read once from the package data."""
    folder = resources.files("lucidnet.playground") / "static"
    return {
        entry.name: entry.read_bytes()
        for entry in folder.iterdir()
        if entry.is_file() and any(entry.name.endswith(suffix) for suffix in CONTENT_TYPES)
    }


class Playground:
    """The application state: token, port, seed, the sessions, and the Starlette app.

    ``port`` must be the port the socket listens on (the Host check needs it).
    """

    def __init__(
        self,
        port: int,
        seed: int | None = None,
        token: str | None = None,
        fps: float = 30.0,
        idle_timeout: float = 1800.0,
        max_sessions: int = 4,
    ) -> None:
        self.port = port
        self.token = token or secrets.token_urlsafe(24)
        self.seed = secrets.randbelow(2**31) if seed is None else seed
        self.fps = fps
        self.idle_timeout = idle_timeout
        self.max_sessions = max_sessions
        self.cookie = f"lucidnet_playground_{port}"
        self.hosts = {f"{HOST}:{port}", f"localhost:{port}"}
        self.origins = {f"http://{host}" for host in self.hosts}
        self.files = _static_files()
        self.runners: list[Runner] = []
        self.current: Runner | None = None
        self._default: Session | None = None
        self._starting = 0  # sockets accepted whose session is still being built
        self._lock = threading.Lock()
        self.csp = (
            "default-src 'self'; "
            f"connect-src 'self' ws://{HOST}:{port} ws://localhost:{port}; "
            "img-src 'self' data: blob:; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'; object-src 'none'"
        )
        routes = [
            Route("/", self.index, methods=["GET", "HEAD"]),
            Route("/static/{name}", self.static, methods=["GET", "HEAD"]),
            Route("/api/state", self.api_state, methods=["GET"]),
            Route("/export/model.py", self.export_script, methods=["GET"]),
            Route("/export/model.safetensors", self.export_weights, methods=["GET"]),
            WebSocketRoute("/ws", self.websocket),
        ]
        self.app = _Guard(Starlette(routes=routes), self)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/?token={self.token}"

    def default_settings(self) -> dict[str, Any]:
        return {**DEFAULT_SETTINGS, "seed": self.seed}

    def session(self) -> Session:
        """The session ``/api/state`` and the exports describe: the last one a page used."""
        with self._lock:
            if self.current is not None:
                return self.current.session
            if self._default is None:
                self._default = Session({"seed": self.seed})
            return self._default

    # ------------------------------------------------------------------ HTTP
    async def index(self, request: Request) -> Response:
        response = self._file("index.html")
        if request.query_params.get("token") == self.token:
            response.set_cookie(self.cookie, self.token, httponly=True, samesite="strict", path="/")
        return response

    async def static(self, request: Request) -> Response:
        return self._file(request.path_params["name"])

    def _file(self, name: str) -> Response:
        if name not in self.files:
            return Response("not found", status_code=404, media_type="text/plain")
        suffix = name[name.rfind(".") :]
        return Response(self.files[name], media_type=CONTENT_TYPES[suffix])

    def api_state(self, request: Request) -> Response:
        return JSONResponse(clean(self.session().state()))

    def export_script(self, request: Request) -> Response:
        return Response(
            self.session().script(),
            media_type="text/x-python; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="model.py"'},
        )

    def export_weights(self, request: Request) -> Response:
        return Response(
            self.session().weights_file(),
            media_type="application/octet-stream",
            headers={"Content-Disposition": 'attachment; filename="model.safetensors"'},
        )

    # ------------------------------------------------------------------ WebSocket
    async def websocket(self, websocket: WebSocket) -> None:
        with self._lock:  # a place is taken now: the session is built after an await
            full = len(self.runners) + self._starting >= self.max_sessions
            self._starting += 0 if full else 1
        if full:
            await websocket.close(code=1013, reason="too many open playground pages")
            return
        try:
            runner, wake = await self._open(websocket)
        finally:
            with self._lock:
                self._starting -= 1
        sender = asyncio.create_task(self._send_loop(websocket, runner, wake))
        try:
            await self._receive_loop(websocket, runner)
        finally:  # first what must happen even if this task is being cancelled
            runner.stop(timeout=0)
            with self._lock:
                self.runners.remove(runner)
                if self.current is runner:
                    self.current = self.runners[-1] if self.runners else None
                    if self.current is None:
                        self._default = runner.session  # keep what the page showed last
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender

    async def _open(self, websocket: WebSocket) -> tuple[Runner, asyncio.Event]:
        """Accept, build the page's session and its worker, say hello; the worker's news sets
        the returned event."""
        await websocket.accept()
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()

        def notify() -> None:
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody to tell
                loop.call_soon_threadsafe(wake.set)

        session = await run_in_threadpool(Session, {"seed": self.seed})
        runner = Runner(session, notify)
        await websocket.send_text(
            json.dumps({"type": "hello", "options": options(), "defaults": self.default_settings()})
        )
        with self._lock:
            self.runners.append(runner)
            self.current = runner
        runner.start()
        return runner, wake

    async def _send_loop(self, websocket: WebSocket, runner: Runner, wake: asyncio.Event) -> None:
        """Send the pending messages and the newest frame, at most ``fps`` frames a second.

        After a frame, wait out the rest of the frame interval, then ask the worker
        for the next one; frames rendered meanwhile (a step, a pause) replace each other.
        """
        interval = 1.0 / self.fps
        while True:
            await wake.wait()
            wake.clear()
            messages, frame = runner.take()
            for message in messages:
                await websocket.send_text(json.dumps(clean(message), allow_nan=False))
            if frame is not None:
                sent = time.perf_counter()
                await websocket.send_bytes(frame)
                await asyncio.sleep(max(0.0, interval - (time.perf_counter() - sent)))
                if runner.playing and not runner.has_messages():
                    wake.clear()  # a frame rendered during the pause is stale: wait for a fresh one
                runner.want_frame()

    async def _receive_loop(self, websocket: WebSocket, runner: Runner) -> None:
        allowance, checked = 2 * MESSAGE_RATE, time.perf_counter()
        while True:
            try:
                event = await asyncio.wait_for(websocket.receive(), timeout=self.idle_timeout)
            except TimeoutError:
                await websocket.close(code=1001, reason="idle for too long")
                return
            if event["type"] == "websocket.disconnect":
                return
            raw = event.get("text")
            size = len(raw.encode()) if raw is not None else len(event.get("bytes") or b"")
            if size > MAX_MESSAGE_BYTES:
                await websocket.close(
                    code=1009, reason=f"messages are at most {MAX_MESSAGE_BYTES} bytes"
                )
                return
            now = time.perf_counter()
            allowance = min(2 * MESSAGE_RATE, allowance + (now - checked) * MESSAGE_RATE)
            checked = now
            if allowance < 1:
                await websocket.close(code=1008, reason="too many messages")
                return
            allowance -= 1
            try:
                message = parse_message(raw if raw is not None else event.get("bytes") or b"")
            except ProtocolError as error:
                await websocket.close(code=1008, reason=str(error)[:120])
                return
            with self._lock:
                self.current = runner
            runner.submit(message)

    def stop_sessions(self) -> None:
        with self._lock:
            runners = list(self.runners)
        for runner in runners:
            runner.stop(timeout=0.2)  # daemon threads: an epoch in progress need not finish


class _Guard:
    """ASGI middleware: Host, token and Origin checks; security headers on every response."""

    def __init__(self, app: Any, playground: Playground) -> None:
        self.app = app
        self.playground = playground

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {
            key.decode("latin-1").lower(): value.decode("latin-1")
            for key, value in scope["headers"]
        }
        problem = self._problem(scope, headers)
        if problem is not None:
            status, text = problem
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": text})
                return
            response = Response(text, status_code=status, media_type="text/plain")
            await self._secured(response)(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, self._with_headers(send))

    def _problem(self, scope: dict, headers: dict[str, str]) -> tuple[int, str] | None:
        playground = self.playground
        if headers.get("host") not in playground.hosts:
            return 400, "bad Host header: this server answers only 127.0.0.1 and localhost\n"
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = query.get("token", [""])[0]
        cookie = SimpleCookie()
        with contextlib.suppress(Exception):
            cookie.load(headers.get("cookie", ""))
        if not given and playground.cookie in cookie:
            given = cookie[playground.cookie].value
        if not secrets.compare_digest(given.encode(), playground.token.encode()):
            return (
                403,
                "forbidden: open the URL with the token that `lucidnet playground` printed\n",
            )
        if scope["type"] == "websocket" and headers.get("origin") not in playground.origins:
            return 403, "forbidden: the WebSocket must come from the playground page itself"
        return None

    def _secured(self, response: Response) -> Response:
        response.headers.update(self._security_headers())
        return response

    def _security_headers(self) -> dict[str, str]:
        return {
            "Content-Security-Policy": self.playground.csp,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
        }

    def _with_headers(self, send: Any) -> Any:
        extra = [(k.lower().encode(), v.encode()) for k, v in self._security_headers().items()]

        async def wrapped(message: dict) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        return wrapped


class Server:
    """A running playground: ``.url`` to open, ``.stop()`` to end it (see :func:`serve`)."""

    def __init__(self, port: int = 0, seed: int | None = None, **options: Any) -> None:
        import uvicorn

        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._socket.bind((HOST, port))
            self._socket.listen(128)  # connections wait in the backlog until uvicorn accepts
        except OSError:
            self._socket.close()
            raise
        self.port = self._socket.getsockname()[1]
        self.playground = Playground(self.port, seed=seed, **options)
        config = uvicorn.Config(
            self.playground.app,
            lifespan="off",
            log_level="warning",
            access_log=False,
            ws="websockets-sansio",
            ws_max_size=MAX_MESSAGE_BYTES,
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            daemon=True,
            name="lucidnet-playground-server",
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return self.playground.url

    @property
    def token(self) -> str:
        return self.playground.token

    def stop(self, timeout: float = 2.0) -> None:
        """Stop every session and the server (at most ``timeout`` seconds)."""
        self.playground.stop_sessions()
        self._server.should_exit = True
        self._thread.join(timeout / 2)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout / 2)
        self._socket.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Server(url={self.url!r})"
