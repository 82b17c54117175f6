"""Pictures (``ln.viz``): activations, initializers, autograd graphs, architectures, training.

Every function returns a matplotlib ``Figure`` and saves it when given
``path=`` (PNG; ``animate_training`` writes a GIF through Pillow).  Figures are
built without pyplot on an Agg canvas, so they work headless and leave the
user's backend alone; matplotlib is imported on the first call only, never by
``import lucidnet``.  Install the extras with ``pip install 'lucidnet[viz]'``.

>>> import lucidnet as ln
>>> figure = ln.viz.plot_activation(["sigmoid", "relu"], path="activations.png")  # doctest: +SKIP
"""

from __future__ import annotations

from .activations import plot_activation
from .architecture import plot_model, plot_network
from .graph import plot_graph
from .initializers import plot_initializers
from .training import animate_training, plot_decision_boundary, plot_health, plot_history

__all__ = [
    "animate_training",
    "plot_activation",
    "plot_decision_boundary",
    "plot_graph",
    "plot_health",
    "plot_history",
    "plot_initializers",
    "plot_model",
    "plot_network",
]
