"""The matrix products of the hot path (``lucidnet._blas``): NumPy by default, MKL when chosen.

Every product MKL takes must equal NumPy's (1e-12 relative in float64, float32
rounding in float32) for each layout the training step uses: transposed views,
vectors on either side, ``out=`` buffers, views into larger buffers; and whatever
gemm cannot take as it is must fall back to ``np.matmul`` with NumPy's result.
The MKL cases are skipped when the ``mkl`` extra is not installed.
"""

from __future__ import annotations

import numpy as np
import pytest

from lucidnet import _blas

needs_mkl = pytest.mark.skipif(not _blas.available(), reason="the mkl extra is not installed")


@pytest.fixture
def mkl():
    """MKL as the backend for one test (NumPy again afterwards); yields the list of gemm calls."""
    _blas.use("mkl")
    calls = []
    for dtype, gemm in list(_blas._gemm.items()):
        _blas._gemm[dtype] = lambda *args, gemm=gemm: calls.append(args[3:6]) or gemm(*args)
    yield calls
    _blas.use("numpy")


def _layouts(rng, m, k, n, dtype):
    """(a, b) of shapes (m, k), (k, n) as C arrays, transposed views and row slices."""
    a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    a_t = np.ascontiguousarray(a.T).T  # F-ordered: gemm's transpose flag
    b_t = np.ascontiguousarray(b.T).T
    a_rows = np.vstack([a, np.ones((1, k), dtype)])[:m]  # a view with a longer row stride
    b_wide = np.hstack([b, np.zeros((k, 3), dtype)])[:, :n]  # leading dimension > n
    return [(a, b), (a_t, b), (a, b_t), (a_t, b_t), (a_rows, b_wide), (a_t, b_wide)]


def test_numpy_backend_is_np_matmul_itself(rng):
    assert _blas.matmul is np.matmul  # no Python call in between by default
    a, b = rng.standard_normal((70, 80)), rng.standard_normal((80, 90))
    assert _blas.backend() == "numpy"
    np.testing.assert_array_equal(_blas.matmul(a, b), a @ b)
    out = np.empty((70, 90))
    assert _blas.matmul(a, b, out=out) is out
    np.testing.assert_array_equal(out, a @ b)


def test_use_rejects_unknown_backend():
    with pytest.raises(ValueError, match=r"'numpy' or 'mkl', got 'openblas'"):
        _blas.use("openblas")


def test_use_mkl_without_the_extra_names_the_package(monkeypatch):
    monkeypatch.setattr(_blas, "_load_mkl", lambda: None)
    with pytest.raises(ValueError, match=r"lucidnet\[mkl\]"):
        _blas.use("mkl")
    assert _blas.backend() == "numpy"


def test_environment_variable_chooses_the_backend_and_warns_on_bad_values(monkeypatch):
    monkeypatch.setenv("LUCIDNET_BLAS", "openblas")
    with pytest.warns(RuntimeWarning, match=r"LUCIDNET_BLAS='openblas' ignored.*'numpy' or 'mkl'"):
        _blas._use_environment()
    monkeypatch.setattr(_blas, "_load_mkl", lambda: None)
    monkeypatch.setenv("LUCIDNET_BLAS", "MKL")
    with pytest.warns(RuntimeWarning, match=r"lucidnet\[mkl\]"):
        _blas._use_environment()
    assert _blas.matmul is np.matmul
    monkeypatch.setenv("LUCIDNET_BLAS", "numpy")
    _blas._use_environment()
    assert _blas.backend() == "numpy"


@needs_mkl
def test_environment_variable_mkl_switches_every_call_site(monkeypatch, mkl):
    _blas.use("numpy")
    monkeypatch.setenv("LUCIDNET_BLAS", "mkl")
    _blas._use_environment()
    assert _blas.backend() == "mkl" and _blas.matmul is _blas.gemm_matmul


@needs_mkl
@pytest.mark.parametrize(("dtype", "rtol"), [(np.float64, 1e-12), (np.float32, 2e-6)])
def test_mkl_products_equal_numpy_in_every_layout(rng, mkl, dtype, rtol):
    layouts = _layouts(rng, 130, 257, 90, dtype)
    for a, b in layouts:
        expected = a.astype(np.float64) @ b.astype(np.float64)
        result = _blas.matmul(a, b)
        assert result.dtype == dtype and result.shape == expected.shape
        np.testing.assert_allclose(result, expected, rtol=rtol, atol=rtol * np.abs(expected).max())
    assert mkl == [(130, 90, 257)] * len(layouts)  # every one of them on MKL


@needs_mkl
def test_mkl_writes_into_out_views(rng, mkl):
    a, b = rng.standard_normal((64, 300)), rng.standard_normal((300, 65))
    rows = np.zeros((3, 64 * 65))
    out = rows[1].reshape(64, 65)  # a view into a larger buffer, as the plan's gradients are
    assert _blas.matmul(a, b, out=out) is out
    np.testing.assert_allclose(rows[1].reshape(64, 65), a @ b, rtol=1e-12)
    assert not rows[0].any() and not rows[2].any()
    assert mkl == [(64, 65, 300)]


@needs_mkl
def test_mkl_vectors_on_either_side_and_the_pair_sum(rng, mkl):
    g = rng.standard_normal((1024, 300))
    ones = np.ones(1024)
    np.testing.assert_allclose(_blas.matmul(ones, g), g.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(_blas.matmul(g.T, ones), g.sum(axis=0), rtol=1e-12)
    out = np.empty(1024)
    assert _blas.matmul(g, np.ones(300), out=out) is out
    np.testing.assert_allclose(out, g.sum(axis=1), rtol=1e-12)
    rows = rng.standard_normal((3, 300_000))  # [1, 1] @ [theta; update], as FlatGroup adds
    expected = rows[0] + rows[2]
    _blas.matmul(np.ones((1, 2)), rows[0::2], out=rows[1:2])
    np.testing.assert_allclose(rows[1], expected, rtol=1e-12)
    assert len(mkl) == 4


@needs_mkl
def test_mkl_falls_back_to_numpy_where_gemm_cannot_take_the_operands(rng, mkl):
    a, b = rng.standard_normal((100, 400)), rng.standard_normal((400, 100))
    cases = [
        (a[:, ::2], b[::2]),  # no unit stride
        (a.astype(np.float32), b),  # mixed dtypes
        (a[None], b),  # 3-D
        (a[:4, :4], b[:4, :4]),  # too small to pay
    ]
    for left, right in cases:
        np.testing.assert_array_equal(_blas.matmul(left, right), np.matmul(left, right))
    out, expected = np.empty((100, 100), order="F"), np.empty((100, 100), order="F")
    _blas.matmul(a, b, out=out)  # gemm writes rows here: NumPy fills an F-ordered out
    np.testing.assert_array_equal(out, np.matmul(a, b, out=expected))
    with pytest.raises(ValueError, match="mismatch"):  # shapes that do not chain: NumPy's error
        _blas.matmul(a, a)
    square = rng.standard_normal((200, 200))
    expected = square @ square
    assert _blas.matmul(square, square, out=square) is square  # out is an operand: NumPy copies
    np.testing.assert_array_equal(square, expected)
    frozen = np.empty((100, 100))
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        _blas.matmul(a, b, out=frozen)
    assert mkl == []


def _trained_weights(manual_loop: bool) -> list[np.ndarray]:
    """A float64 [64, 128, 64, 10] net after 3 SGD steps, by ``fit`` (the plan) or by hand."""
    import lucidnet as ln

    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((192, 64)), rng.integers(0, 10, 192)
    ln.manual_seed(0)
    model = ln.Sequential(
        [
            ln.layers.Dense(128, activation="relu", input_shape=(64,), dtype="float64"),
            ln.layers.Dense(64, activation="tanh", dtype="float64"),
            ln.layers.Dense(10, dtype="float64"),
        ]
    )
    if manual_loop:
        optimizer = ln.optim.SGD(model.parameters(), lr=0.1)
        for start in range(0, 192, 64):
            loss = ln.losses.softmax_cross_entropy(
                model(ln.tensor(x[start : start + 64])), y[start : start + 64]
            )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    else:
        model.compile(optimizer=ln.optim.SGD(lr=0.1), loss="softmax_cross_entropy", lint=False)
        model.fit(x, y, epochs=1, batch_size=64, shuffle=False, verbose=0)
        assert model._training_setup.plan is not None
    return [p.data.copy() for p in model.parameters()]


@needs_mkl
@pytest.mark.parametrize("manual_loop", [False, True], ids=["fit", "manual_loop"])
def test_training_on_mkl_equals_training_on_numpy(mkl, manual_loop):
    on_mkl = _trained_weights(manual_loop)
    assert mkl  # the products went to MKL
    _blas.use("numpy")
    on_numpy = _trained_weights(manual_loop)
    for fast, reference in zip(on_mkl, on_numpy, strict=True):
        np.testing.assert_allclose(fast, reference, rtol=1e-12, atol=1e-14)
