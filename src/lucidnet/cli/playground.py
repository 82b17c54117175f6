"""``lucidnet playground``: serve the live training page on 127.0.0.1."""

from __future__ import annotations

import signal
import sys
import threading

import click

DEFAULT_PORT = 8765


@click.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port on 127.0.0.1; 0 picks a free one.",
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**31 - 1),
    default=None,
    help="Seed of the data and initial weights the page starts with.",
)
@click.option("--no-browser", is_flag=True, help="Do not open the page in the browser.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Only 127.0.0.1 is allowed (the page trains code on your machine).",
)
def playground(port: int, seed: int | None, no_browser: bool, host: str) -> None:
    """Train a network live in the browser: TensorFlow Playground, plus health, lint and a NaN guard.

    Prints one line with the URL (it holds the access token) and serves until
    Ctrl-C (or SIGTERM).
    """
    if host != "127.0.0.1":
        _refuse(f"--host {host!r} refused: the playground binds 127.0.0.1 only (loopback)")
    try:
        import lucidnet.playground as pg

        server = pg.serve(port=port, seed=seed, open_browser=False)
    except ImportError as error:
        _refuse(str(error))
    except OSError as error:
        _refuse(
            f"cannot listen on 127.0.0.1:{port} ({error.strerror}); try --port 0 for a free port"
        )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"lucidnet playground: {server.url}")
    sys.stdout.flush()
    if not no_browser:
        import webbrowser

        webbrowser.open(server.url)
    try:
        while not stop.wait(0.25):
            pass
    finally:
        server.stop(timeout=1.5)


def _refuse(message: str) -> None:
    """A user mistake: one line on stderr and exit code 2 (no traceback)."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)
