"""The losses that offer a closed form, each with a maker of fitting targets for (6, 3)
scores: one table for the closed-form tests (``value_and_grad``) and the per-sample
forms the compiled step inlines."""

from __future__ import annotations

import numpy as np

import lucidnet as ln

CLOSED_FORM_CASES = {
    "mse": (ln.losses.get("mse"), lambda rng: rng.standard_normal((6, 3))),
    "bce_logits": (
        ln.losses.get("binary_crossentropy", from_logits=True),
        lambda rng: (rng.random((6, 3)) > 0.5).astype(float),
    ),
    "softmax_ce_labels": (
        ln.losses.get("softmax_cross_entropy"),
        lambda rng: rng.integers(0, 3, 6),
    ),
    "softmax_ce_soft": (
        ln.losses.get("softmax_cross_entropy"),
        lambda rng: rng.dirichlet(np.ones(3), 6) * 0.9,  # rows summing to 0.9: the mass counts
    ),
    "sparse_ce_float_labels": (
        ln.losses.get("sparse_categorical_crossentropy", from_logits=True),
        lambda rng: rng.integers(0, 3, 6).astype(float),
    ),
    "categorical_ce_logits": (
        ln.losses.get("categorical_crossentropy", from_logits=True),
        lambda rng: np.eye(3)[rng.integers(0, 3, 6)],
    ),
    "categorical_ce_one_hot_far_below_the_max": (
        ln.losses.get("categorical_crossentropy", from_logits=True),
        lambda rng: np.eye(3)[[0, 0, 1, 2, 1, 0]],
    ),
}
