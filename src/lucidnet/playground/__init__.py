"""``lucidnet playground``: the classic dynamic display, live in the browser, trained by lucidnet.

A TensorFlow-Playground-like page (data sets, features, layers, activations,
initializers, losses, optimizers, live learning rate and regularization) plus
what no playground shows: the health of every layer, lint advice, and a NaN
guard that explains itself.  Needs the ``playground`` extra
(``pip install 'lucidnet[playground]'``: Starlette, uvicorn, websockets).

>>> import lucidnet as ln
>>> server = ln.playground.serve(port=0, seed=0)        # doctest: +SKIP
>>> server.url                                          # doctest: +SKIP
'http://127.0.0.1:53817/?token=...'
>>> server.stop()                                       # doctest: +SKIP

The session logic (:class:`~lucidnet.playground.session.Session`) and the
data (:mod:`~lucidnet.playground.data`) need only NumPy and lucidnet.
"""

from __future__ import annotations

from typing import Any


def serve(
    port: int = 0, seed: int | None = None, open_browser: bool = False, **options: Any
) -> Any:
    """Start the playground on 127.0.0.1 in a background thread and return the running server.

    ``port=0`` picks a free port; ``seed`` fixes the data and initial weights the
    page starts with (random when None); ``open_browser`` opens the page.  The
    returned object has ``.url`` (with the access token) and ``.stop()``.
    ``options`` go to the server (``fps=30``, ``idle_timeout=1800``,
    ``max_sessions=4``).
    """
    try:
        from .server import Server
    except ImportError as error:  # pragma: no cover - depends on the installed extras
        raise ImportError(
            f"the playground needs the 'playground' extra ({error.name} is missing): "
            "pip install 'lucidnet[playground]'"
        ) from error
    server = Server(port=port, seed=seed, **options)
    if open_browser:
        import webbrowser

        webbrowser.open(server.url)
    return server


__all__ = ["serve"]
