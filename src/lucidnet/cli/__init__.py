"""The ``lucidnet`` command line: demo, activations, train, summary, predict."""

from .main import main

__all__ = ["main"]
