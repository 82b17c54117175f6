"""A session in its worker thread: commands in, the latest frame and the messages out.

The WebSocket handler :meth:`~Runner.submit`\\ s checked client messages; the
worker applies them in order and trains while playing.  What the page must
see is published two ways: text messages (model rebuilt, settings, errors,
status) are kept in order and never dropped; frames are *replaced*, so a slow
page gets the newest picture instead of a queue of old ones.  The epochs
trained between two sent frames travel in the frame's ``history`` so the loss
chart misses none.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from . import frames
from .protocol import EPOCHS_PER_SECOND
from .session import Session


class Runner:
    """Runs ``session`` in a daemon thread; ``notify()`` is called whenever there is news.

    While training, the worker renders a frame after an epoch only when the
    sender has asked for one (:meth:`want_frame`, once it may send again): no
    frame waits for its turn, so what arrives is as fresh as an epoch allows.
    """

    def __init__(self, session: Session, notify: Callable[[], None]) -> None:
        self.session = session
        self.notify = notify
        self._wanted = threading.Event()
        self._wanted.set()
        self.playing = False
        self.commands: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.stopped = threading.Event()
        self._outbox = threading.Lock()
        self._messages: list[dict[str, Any]] = []
        self._frame: tuple[dict[str, Any], list[Any]] | None = None
        self._history: list[list[float]] = []
        self._frame_time_wall = 0.0
        self._sequence = 0
        self.thread = threading.Thread(target=self._run, name="lucidnet-playground", daemon=True)

    # ------------------------------------------------------------------ outside the thread
    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop training and the thread (waits for the epoch in progress)."""
        self.stopped.set()
        self.commands.put(None)
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(timeout)

    def submit(self, message: dict[str, Any]) -> None:
        self.commands.put(message)

    def has_messages(self) -> bool:
        with self._outbox:
            return bool(self._messages)

    def want_frame(self) -> None:
        """The sender may send again: render after the next epoch."""
        self._wanted.set()

    def take(self) -> tuple[list[dict[str, Any]], bytes | None]:
        """The pending messages and the newest frame (encoded, numbered), emptying both."""
        with self._outbox:
            messages, self._messages = self._messages, []
            frame, self._frame = self._frame, None
            history, self._history = self._history, []
        if frame is None:
            return messages, None
        header, arrays = frame
        self._sequence += 1
        header = {
            **header,
            "type": "frame",
            "seq": self._sequence,
            "history": history,
            "rendered_at": self._frame_time_wall,  # time.time() at render: latency in benchmarks
        }
        return messages, frames.encode(header, arrays)

    # ------------------------------------------------------------------ the worker
    def _run(self) -> None:
        self._send(self.session.describe())
        self._render()
        next_epoch = time.perf_counter()
        while not self.stopped.is_set():
            wait = 0.5 if not self.playing else max(0.0, next_epoch - time.perf_counter())
            try:
                message = (
                    self.commands.get(timeout=wait) if wait > 0 else self.commands.get_nowait()
                )
            except queue.Empty:
                message = None
            if self.stopped.is_set():
                break
            try:
                if message is not None:
                    self._handle(message)
                    continue
                if self.playing and time.perf_counter() >= next_epoch:
                    self._train()
                    time.sleep(0)  # let the event loop thread take the GIL between epochs
                    rate = EPOCHS_PER_SECOND[self.session.settings["speed"]]
                    next_epoch = time.perf_counter() + (0.0 if math.isinf(rate) else 1.0 / rate)
            except Exception as error:  # a bug must not silently kill the page's session
                self.playing = False
                self._send({"type": "status", "playing": False})
                self._send({"type": "error", "message": f"{type(error).__name__}: {error}"})

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        session = self.session
        try:
            if kind == "settings":
                change = session.update(message["settings"])
                if change in ("data", "model"):
                    self._send(session.describe())
                else:
                    self._send(
                        {"type": "settings", "settings": session.settings, "lint": session.lint}
                    )
            elif kind == "play":
                session.nan = None
                self._set_playing(True)
            elif kind == "pause":
                self._set_playing(False)
            elif kind == "step":
                self._set_playing(False)
                self._train(force=True)
            elif kind == "reset":
                self._set_playing(False)
                session.reset(message["keep_init"])
                self._send(session.describe())
            elif kind == "regenerate":
                session.regenerate()
                self._send(session.describe())
            elif kind == "set_weight":
                session.set_weight(
                    message["layer"], message["unit"], message["source"], message["value"]
                )
        except ValueError as error:
            self._send({"type": "error", "message": str(error)})
            # the page may have shown the refused change already: give it the settings in force
            self._send({"type": "settings", "settings": session.settings, "lint": session.lint})
        if kind != "ping":
            self._render()

    def _set_playing(self, playing: bool) -> None:
        self.playing = playing
        self._send({"type": "status", "playing": playing})

    def _train(self, force: bool = False) -> None:
        result = self.session.train_epoch()
        stop_epoch = self.session.settings["stop_epoch"]
        if "nan" in result or (self.playing and result["epoch"] == stop_epoch):
            self._set_playing(False)  # diverged, or the stop condition is met
            force = True
        else:
            with self._outbox:
                self._history.append(list(self.session.history[-1]))
        if force or self._wanted.is_set():
            self._render()

    def _render(self) -> None:
        self._wanted.clear()
        frame = self.session.frame()
        self._frame_time_wall = time.time()
        with self._outbox:
            self._frame = frame
        self.notify()

    def _send(self, message: dict[str, Any]) -> None:
        with self._outbox:
            if message["type"] == "model":  # a new network: the epochs of the old one are moot
                self._history.clear()
            self._messages.append(message)
        self.notify()
