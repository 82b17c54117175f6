"""PyTorch habits on tensors: factories, ``np.asarray(t)``, ``dim=`` for ``axis=``."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

import lucidnet as ln


def test_factories_match_torch_values_and_dtypes() -> None:
    pairs = [
        (ln.linspace(-20, 20, 1000), torch.linspace(-20, 20, 1000)),
        (ln.arange(5), torch.arange(5)),
        (ln.arange(1, 2, 0.25), torch.arange(1, 2, 0.25)),
        (ln.eye(3, 2), torch.eye(3, 2)),
        (ln.zeros(2, 3), torch.zeros(2, 3)),
        (ln.ones((2, 3)), torch.ones((2, 3))),
        (ln.full((2,), 7), torch.full((2,), 7)),
        (ln.full((2, 2), 1.5), torch.full((2, 2), 1.5)),
        (ln.zeros_like(ln.arange(3)), torch.zeros_like(torch.arange(3))),
        (
            ln.ones_like(ln.eye(2), dtype="float64"),
            torch.ones_like(torch.eye(2), dtype=torch.float64),
        ),
    ]
    for ours, theirs in pairs:
        expected = theirs.numpy()
        assert ours.dtype == expected.dtype
        np.testing.assert_allclose(ours.numpy(), expected, rtol=1e-6, atol=1e-6)


def test_factories_take_dtype_and_requires_grad() -> None:
    x = ln.linspace(-1, 1, 5, dtype="float64", requires_grad=True)
    assert x.dtype == np.float64 and x.requires_grad and x.is_leaf
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * np.linspace(-1, 1, 5))
    with pytest.raises(TypeError, match="only floating tensors"):
        ln.arange(3, requires_grad=True)
    with pytest.raises(ValueError, match="size must be ints"):
        ln.zeros(2, -1)


def test_rand_and_randn_repeat_under_manual_seed() -> None:
    ln.manual_seed(7)
    first = (ln.rand(3, 2), ln.randn(4))
    ln.manual_seed(7)
    second = (ln.rand(3, 2), ln.randn(4))
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert a.dtype == np.float32
    assert first[0].numpy().min() >= 0 and first[0].numpy().max() < 1


def test_from_numpy_shares_memory_like_torch() -> None:
    array = np.zeros(3)
    t = ln.from_numpy(array)
    array[0] = 5.0
    assert t.dtype == np.float64 and t.numpy()[0] == 5.0
    with pytest.raises(TypeError, match="ndarray"):
        ln.from_numpy([1.0, 2.0])


def test_np_asarray_gives_the_data_and_numpy_functions_work() -> None:
    t = ln.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert np.asarray(t) is t.data
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert np.array(t) is not t.data and np.array_equal(np.array(t), t.data)
    with pytest.raises(ValueError, match="needs a copy"):
        np.asarray(t, dtype=np.float64, copy=False)
    np.testing.assert_allclose(t, [[1, 2], [3, 4]])
    assert float(np.mean(t)) == 2.5 and float(np.sum(t)) == 10.0 and float(np.max(t)) == 4.0
    np.testing.assert_array_equal(np.round(t * 1.4), [[1, 3], [4, 6]])
    assert np.asarray(t.sum()).shape == ()


def test_dim_is_accepted_wherever_axis_is() -> None:
    data = np.arange(6.0).reshape(2, 3)
    t, tt = ln.tensor(data), torch.tensor(data)
    np.testing.assert_array_equal(t.sum(dim=1).numpy(), tt.sum(dim=1).numpy())
    np.testing.assert_array_equal(t.mean(dim=0, keepdim=True).numpy(), tt.mean(dim=0, keepdim=True))
    np.testing.assert_array_equal(t.max(dim=1).numpy(), tt.amax(dim=1).numpy())
    np.testing.assert_array_equal(t.min(dim=0).numpy(), tt.amin(dim=0).numpy())
    np.testing.assert_allclose(
        ln.functional.softmax(t, dim=0).numpy(), torch.softmax(tt, dim=0).numpy(), rtol=1e-12
    )
    np.testing.assert_allclose(
        ln.functional.log_softmax(t, dim=0).numpy(), torch.log_softmax(tt, dim=0), rtol=1e-12
    )
    assert ln.activations.get("softmax", dim=0) == ln.activations.get("softmax", axis=0)
    assert ln.concatenate([t, t], dim=0).shape == (4, 3)
    assert ln.stack([t, t], dim=1).shape == (2, 2, 3)
    assert ln.layers.Concatenate(dim=0)([t, t]).shape == (4, 3)


def test_softmax_of_the_seeds_with_dim_zero() -> None:
    scores = ln.tensor([0.2, 0.02, 0.15, 0.15, 1.3, 0.5, 0.06, 1.1, 0.05, 3.75])
    expected = torch.softmax(torch.tensor(scores.numpy()), dim=0).numpy()
    np.testing.assert_allclose(ln.functional.softmax(scores, dim=0).numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.sum(axis=0, dim=0),
        lambda t: t.mean(axis=1, dim=1),
        lambda t: t.max(axis=0, dim=1),
        lambda t: ln.functional.softmax(t, axis=-1, dim=0),
        lambda t: ln.concatenate([t, t], axis=0, dim=0),
        lambda t: ln.stack([t, t], axis=0, dim=0),
        lambda t: t.sum(keepdims=True, keepdim=True),
    ],
)
def test_axis_and_dim_together_is_a_type_error(call) -> None:
    with pytest.raises(TypeError, match="not both"):
        call(ln.ones(2, 2))


def test_python_dash_m_lucidnet_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lucidnet", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout and "predict" in result.stdout


def test_dir_shows_the_public_api_only() -> None:
    names = dir(ln)
    assert "sys" not in names and "annotations" not in names
    for public in ("Sequential", "tensor", "linspace", "randn", "nn", "optim", "viz"):
        assert public in names


def test_argmax_gives_torchs_class_indices() -> None:
    data = np.array([[0.1, 2.0, -1.0], [3.0, 0.0, 3.5]])
    t, tt = ln.tensor(data), torch.tensor(data)
    np.testing.assert_array_equal(t.argmax(dim=1).numpy(), tt.argmax(dim=1).numpy())
    np.testing.assert_array_equal(t.argmax(axis=0, keepdims=True).numpy(), [[1, 0, 1]])
    assert t.argmax().item() == tt.argmax().item() == 5
    assert t.argmax(dim=1).dtype == np.int64 and not t.argmax(dim=1).requires_grad
