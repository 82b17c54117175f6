"""Topological order of a graph given by a parents function (iterative: no recursion limit)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

Node = TypeVar("Node")


def topological_order(
    roots: Sequence[Node], parents: Callable[[Node], Iterable[Node]]
) -> list[Node]:
    """Every node reachable from ``roots``, each after all of its parents.

    Used for the layer graph of a functional model and the picture of a tensor's
    graph (``Tensor.backward`` orders its walk by creation numbers instead).  Parents are visited
    left to right, so the order is deterministic.
    """
    order: list[Node] = []
    visited: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False) for root in reversed(roots)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((parent, False) for parent in reversed(list(parents(node))))
    return order
