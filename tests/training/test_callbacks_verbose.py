"""EarlyStopping(verbose=1) says when and why it stopped."""

from __future__ import annotations

import numpy as np

import lucidnet as ln


def test_early_stopping_verbose_says_when_and_why(capsys) -> None:
    model = ln.Sequential([ln.layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer=ln.optim.SGD(lr=0.0), loss="mse", lint=False)
    stopper = ln.callbacks.EarlyStopping(
        monitor="loss", patience=2, restore_best_weights=True, verbose=1
    )
    x = np.ones((4, 2), dtype=np.float32)
    history = model.fit(x, np.zeros((4, 1)), epochs=10, callbacks=[stopper], verbose=0)
    out = capsys.readouterr().out
    assert len(history.epoch) == 3  # lr 0: the loss never improves after epoch 1
    best = history.history["loss"][0]
    assert f"Epoch 3: early stopping: loss has not improved on {best:.6g} since epoch 1" in out
    assert "(patience 2)." in out
    assert "Restoring the weights of the best epoch, 1." in out


def test_early_stopping_is_silent_by_default(capsys) -> None:
    model = ln.Sequential([ln.layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer=ln.optim.SGD(lr=0.0), loss="mse", lint=False)
    x = np.ones((4, 2), dtype=np.float32)
    stopper = ln.callbacks.EarlyStopping(monitor="loss")
    model.fit(x, np.zeros((4, 1)), epochs=5, callbacks=[stopper], verbose=0)
    assert capsys.readouterr().out == ""
