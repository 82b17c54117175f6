"""``model.summary()``: Layer (type), Output Shape and Param # for all three ways of building.

Sequential models propagate shapes layer by layer; functional models read them
from their graph; subclassed models are traced by calling them once on a dummy
input and recording each direct child's output (Keras cannot do this).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import numpy as np

from .._checks import check_int
from .._report import Report, show
from ..blocks.module import Module, output_shape
from .walk import input_features, trace_calls

Row = tuple[str, str, str, int]


def summary(
    model: Module,
    input_shape: tuple[int, ...] | int | None = None,
    batch_size: int | None = None,
    print_fn: Callable[[str], Any] | None = print,
) -> Report:
    """Print and return the summary table, then Total/Trainable/Non-trainable params with bytes.

    The result is a :class:`~lucidnet._report.Report` (a ``str``): in Jupyter it is
    shown once, as an HTML table.
    """
    from ..blocks.layers.base import normalize_feature_shape
    from .functional import Model
    from .sequential import Sequential

    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", low=1)
    features = normalize_feature_shape(input_shape, "input_shape")
    if isinstance(model, Sequential):
        rows = sequential_rows(model, features, batch_size)
    elif isinstance(model, Model) and model.nodes is not None:  # not a subclassed Model
        rows = functional_rows(model, batch_size)
    else:
        rows = traced_rows(model, features, batch_size)
    model.require_built("summary()")  # e.g. a lazy layer the traced forward never called
    return show(_format(model, rows), print_fn)


def _own_count(module: Module, counted: set[int]) -> int:
    """Scalars in ``module``'s parameters and buffers not already counted (shared weights once)."""
    total = 0
    for _, parameter in module.named_parameters():
        if id(parameter) not in counted:
            counted.add(id(parameter))
            total += parameter.data.size
    for _, buffer in module.named_buffers():
        if id(buffer) not in counted:
            counted.add(id(buffer))
            total += np.size(buffer)
    return total


def shape_text(shape: tuple[int | None, ...]) -> str:
    """``(None, 3)`` for a shape with an unknown batch axis (a 1-tuple keeps its comma)."""
    return (
        "("
        + ", ".join("None" if n is None else str(n) for n in shape)
        + ("," if len(shape) == 1 else "")
        + ")"
    )


def sequential_rows(
    model: Module, features: tuple[int, ...] | None, batch_size: int | None
) -> list[Row]:
    """(name, type, output shape, params) per layer of a Sequential, building it if needed."""
    if features is None:
        if model.input_shape is None:
            raise ValueError(
                f"model {model.name!r} is not built: give summary(input_shape=...) or "
                "input_shape= to its first layer, or call it on data first"
            )
        features = model.input_shape
    if not model.built or model.input_shape != features:
        model.build((None, *features))
    counted: set[int] = set()
    rows = []
    shape: tuple[int | None, ...] = (batch_size, *features)
    for layer in model.layers:
        shape = output_shape(layer, shape, batch_size)
        rows.append(
            (layer.name, type(layer).__name__, shape_text(shape), _own_count(layer, counted))
        )
    return rows


def functional_rows(model: Module, batch_size: int | None) -> list[Row]:
    """One row per ``model.inputs`` entry, then one per ``model.nodes`` entry, in that order."""
    rows: list[Row] = [
        (t.name, "InputLayer", shape_text((batch_size, *t.shape[1:])), 0) for t in model.inputs
    ]
    counted: set[int] = set()
    for node in model.nodes:
        rows.append(
            (
                node.layer.name,
                type(node.layer).__name__,
                shape_text((batch_size, *node.shape[1:])),
                _own_count(node.layer, counted),
            )
        )
    return rows


def traced_rows(
    model: Module, features: tuple[int, ...] | None, batch_size: int | None
) -> list[Row]:
    """Rows of a subclassed model's direct children in call order, traced on a dummy input."""
    if features is None:
        features = input_features(model)
    if features is None:
        if all(module.built for module in model.modules()):  # called before: sizes known
            attribute = {id(module): name for name, module in reversed(model._modules.items())}
            counted: set[int] = set()
            return [
                (attribute[id(c)], type(c).__name__, "?", _own_count(c, counted))
                for c in model.children()
            ]
        raise ValueError(
            f"summary() of the subclassed model {model.name!r} traces it with a dummy "
            "input: give summary(input_shape=...), e.g. input_shape=(3,), or call the "
            "model on a batch first"
        )
    children = list(model.children())
    calls: list[tuple[Module, tuple[int, ...]]] = []
    for call in trace_calls(model, features, batch_size=batch_size or 1).calls:
        if all(call.module is not m for m, _ in calls) and hasattr(call.output, "shape"):
            calls.append((call.module, call.output.shape))
    attribute = {id(module): name for name, module in reversed(model._modules.items())}
    counted: set[int] = set()
    rows = [
        (
            attribute[id(m)],
            type(m).__name__,
            shape_text((batch_size, *shape[1:])),
            _own_count(m, counted),
        )
        for m, shape in calls
    ]
    rows += [
        (attribute[id(c)], type(c).__name__, "(not called)", _own_count(c, counted))
        for c in children
        if all(c is not m for m, _ in calls)
    ]
    return rows


def _size_text(n_bytes: int) -> str:
    """Keras's memory format: 104.00 B, 1.50 KB, 2.00 MB (powers of 1024)."""
    size = float(n_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} GB"


def _format(model: Module, rows: list[Row]) -> Report:
    header = ("Layer (type)", "Output Shape", "Param #")
    cells = [(f"{name} ({kind})", shape, f"{count:,}") for name, kind, shape, count in rows]
    widths = [
        max(len(header[i]), *(len(c[i]) for c in cells)) + 4 if cells else len(header[i]) + 4
        for i in range(3)
    ]
    width = sum(widths)

    def line(values: tuple[str, str, str]) -> str:
        return "".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    parameters = model.parameters()
    trainable_params = [p for p in parameters if p.requires_grad]
    frozen_params = [p for p in parameters if not p.requires_grad]
    trainable = sum(p.data.size for p in trainable_params)
    trainable_bytes = sum(p.data.nbytes for p in trainable_params)
    buffers = [b for _, b in model.named_buffers()]
    frozen = sum(p.data.size for p in frozen_params) + sum(np.size(b) for b in buffers)
    frozen_bytes = sum(p.data.nbytes for p in frozen_params) + sum(
        np.asarray(b).nbytes for b in buffers
    )
    title = f'Model: "{model.name}"'
    totals = [
        f"Total params: {trainable + frozen:,} ({_size_text(trainable_bytes + frozen_bytes)})",
        f"Trainable params: {trainable:,} ({_size_text(trainable_bytes)})",
        f"Non-trainable params: {frozen:,} ({_size_text(frozen_bytes)})",
    ]
    lines = [title, "_" * width, line(header), "=" * width]
    lines += [line(c) for c in cells]
    lines += ["=" * width, *totals, "_" * width]
    return Report("\n".join(lines), html=_html_table(title, header, cells, totals))


def _html_table(
    title: str, header: tuple[str, ...], cells: list[tuple[str, ...]], totals: list[str]
) -> str:
    """The summary as an HTML table (what Jupyter shows)."""

    def row(values: tuple[str, ...], tag: str) -> str:
        return "<tr>" + "".join(f"<{tag}>{html.escape(v)}</{tag}>" for v in values) + "</tr>"

    body = "".join(row(c, "td") for c in cells)
    notes = "<br>".join(html.escape(t) for t in totals)
    return (
        f"<div><b>{html.escape(title)}</b><table><thead>{row(header, 'th')}</thead>"
        f"<tbody>{body}</tbody></table><p>{notes}</p></div>"
    )
