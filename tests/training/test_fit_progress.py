"""fit(verbose=1): one bar over the epochs when there are many tiny epochs."""

from __future__ import annotations

import numpy as np

import lucidnet as ln


def _fit(epochs: int, n: int, batch_size: int) -> None:
    x = np.random.default_rng(0).normal(size=(n, 3)).astype(np.float32)
    model = ln.Sequential([ln.layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse", lint=False)
    model.fit(x, x[:, :1], epochs=epochs, batch_size=batch_size, verbose=1)


def test_many_tiny_epochs_share_one_bar(capsys) -> None:
    _fit(epochs=150, n=16, batch_size=8)
    out = capsys.readouterr().out
    lines = [line for line in out.split("\n") if line.strip()]
    assert len(lines) == 1  # redrawn in place with \r, one line kept after the last epoch
    assert "Epochs" in out and "150/150" in lines[0].split("\r")[-1] and "loss" in out
    assert "Epoch 1/150" not in out


def test_few_or_large_epochs_keep_a_bar_per_epoch(capsys) -> None:
    _fit(epochs=3, n=16, batch_size=8)
    out = capsys.readouterr().out
    assert "Epoch 1/3" in out and "Epoch 3/3" in out and "sample" in out
    _fit(epochs=12, n=24, batch_size=8)  # three batches per epoch: Keras's bars
    out = capsys.readouterr().out
    assert "Epoch 12/12" in out and "Epochs" not in out
