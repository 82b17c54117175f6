"""Initializers: sample statistics against the formulas, PyTorch's values, in-place helpers.

Shapes are asymmetric, (400, 300) and (300, 400), so that an initializer which
swaps fan_in and fan_out (the trap of PyTorch's (out, in) layout) fails: the
two fans differ by a factor 4/3, i.e. 15% in std, and 120k samples pin the
sample std to about 0.3%.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import lucidnet as ln
from lucidnet.blocks import init

TALL, WIDE = (400, 300), (300, 400)
SEED = 1234


def _sample(name: str, shape=TALL, **options) -> np.ndarray:
    return init.get(name, **options)(shape, rng=SEED, dtype="float64")


def _phi(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi) if math.isfinite(x) else 0.0


def _truncated_moments(mean, std, a, b):
    """Mean and std of N(mean, std^2) truncated to [a, b] (closed form)."""
    alpha, beta = (a - mean) / std, (b - mean) / std
    mass = 0.5 * (math.erfc(alpha / math.sqrt(2)) - math.erfc(beta / math.sqrt(2)))
    alpha_phi = alpha * _phi(alpha) if math.isfinite(alpha) else 0.0
    beta_phi = beta * _phi(beta) if math.isfinite(beta) else 0.0
    shift = (_phi(alpha) - _phi(beta)) / mass
    variance = 1 + (alpha_phi - beta_phi) / mass - shift**2
    return mean + std * shift, std * math.sqrt(variance)


# --- fans --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "fans"),
    [
        ((400, 300), (400, 300)),
        ((300, 400), (300, 400)),
        ((7,), (7, 7)),
        (7, (7, 7)),
        ((), (1, 1)),
        ((3, 3, 16, 32), (3 * 3 * 16, 3 * 3 * 32)),
    ],
)
def test_compute_fans_uses_in_out_layout(shape, fans):
    assert init.compute_fans(shape) == fans


# --- sample statistics against the formulas ---------------------------------

SQRT3 = math.sqrt(3)

# (name, options, distribution, std as a function of (fan_in, fan_out))
CASES = [
    ("standard_uniform", {}, "uniform", lambda i, o: 1 / math.sqrt(i) / SQRT3),
    ("standard", {}, "uniform", lambda i, o: 1 / math.sqrt(i) / SQRT3),
    ("lecun_uniform", {}, "uniform", lambda i, o: math.sqrt(1 / i)),
    ("lecun_normal", {}, "normal", lambda i, o: math.sqrt(1 / i)),
    ("xavier_uniform", {}, "uniform", lambda i, o: math.sqrt(2 / (i + o))),
    ("glorot_uniform", {"gain": 2.0}, "uniform", lambda i, o: 2 * math.sqrt(2 / (i + o))),
    ("xavier_normal", {}, "normal", lambda i, o: math.sqrt(2 / (i + o))),
    ("glorot_normal", {"gain": 5 / 3}, "normal", lambda i, o: 5 / 3 * math.sqrt(2 / (i + o))),
    ("kaiming_uniform", {}, "uniform", lambda i, o: math.sqrt(2 / i)),
    ("he_uniform", {"mode": "fan_out"}, "uniform", lambda i, o: math.sqrt(2 / o)),
    (
        "he_uniform",
        {"nonlinearity": "tanh"},
        "uniform",
        lambda i, o: 5 / 3 / math.sqrt(i),
    ),
    (
        "kaiming_uniform",
        {"a": 0.2},
        "uniform",
        lambda i, o: math.sqrt(2 / (1 + 0.2**2)) / math.sqrt(i),
    ),
    ("kaiming_normal", {}, "normal", lambda i, o: math.sqrt(2 / i)),
    ("he_normal", {"nonlinearity": "relu"}, "normal", lambda i, o: math.sqrt(2 / i)),
    ("he_normal", {"mode": "fan_out"}, "normal", lambda i, o: math.sqrt(2 / o)),
    ("kaiming_normal", {"nonlinearity": "selu"}, "normal", lambda i, o: 0.75 / math.sqrt(i)),
] + [
    (
        "variance_scaling",
        {"scale": 2.0, "mode": mode, "distribution": distribution},
        "uniform" if distribution == "uniform" else distribution,
        lambda i, o, mode=mode: math.sqrt(
            2.0 / {"fan_in": i, "fan_out": o, "fan_avg": (i + o) / 2}[mode]
        ),
    )
    for mode in ("fan_in", "fan_out", "fan_avg")
    for distribution in ("uniform", "untruncated_normal", "truncated_normal")
]


def _case_id(case) -> str:
    return f"{case[0]}-{'-'.join(f'{k}={v}' for k, v in case[1].items())}"


@pytest.mark.parametrize("shape", [TALL, WIDE], ids=["tall", "wide"])
@pytest.mark.parametrize(
    ("name", "options", "distribution", "std_of"), CASES, ids=[_case_id(c) for c in CASES]
)
def test_sample_std_and_bounds_match_formula(name, options, distribution, std_of, shape):
    weights = _sample(name, shape, **options)
    std = std_of(*shape)
    assert weights.shape == shape
    assert abs(weights.std() / std - 1) < 0.02
    assert abs(weights.mean()) < 0.02 * std
    if distribution == "uniform":
        limit = SQRT3 * std
        assert weights.max() <= limit and weights.min() >= -limit
        assert weights.max() > 0.995 * limit and weights.min() < -0.995 * limit
    elif distribution == "truncated_normal":
        bound = 2 * std / init.TRUNCATED_STD_RATIO
        assert np.abs(weights).max() <= bound
        assert np.abs(weights).max() > 0.995 * bound
    else:  # an untruncated normal has about 120k * 2 * Phi(-3.3) ~ 115 draws past 3.3 std
        assert np.abs(weights).max() > 3.3 * std


@pytest.mark.parametrize(
    ("name", "options", "std_of"),
    [
        ("lecun_normal", {}, lambda i, o: math.sqrt(1 / i)),
        ("xavier_normal", {"gain": 2.0}, lambda i, o: 2 * math.sqrt(2 / (i + o))),
        ("glorot_normal", {}, lambda i, o: math.sqrt(2 / (i + o))),
        ("kaiming_normal", {}, lambda i, o: math.sqrt(2 / i)),
        ("he_normal", {"mode": "fan_out"}, lambda i, o: math.sqrt(2 / o)),
    ],
)
@pytest.mark.parametrize("shape", [TALL, WIDE], ids=["tall", "wide"])
def test_truncated_variant_keeps_formula_std_and_cuts_at_two_corrected_std(
    name, options, std_of, shape
):
    weights = _sample(name, shape, truncated=True, **options)
    std = std_of(*shape)
    assert abs(weights.std() / std - 1) < 0.02
    bound = 2 * std / 0.87962566103423978
    assert np.abs(weights).max() <= bound
    assert np.abs(weights).max() > 0.995 * bound
    assert init.get(name, truncated=True, **options).distribution == "truncated_normal"


def test_keras_truncation_constant_is_the_std_of_a_normal_cut_at_two():
    assert pytest.approx(_truncated_moments(0, 1, -2, 2)[1], 1e-15) == init.TRUNCATED_STD_RATIO


def test_uniform_and_normal_use_their_parameters():
    uniform = _sample("uniform", low=-0.3, high=0.7)
    assert uniform.min() >= -0.3 and uniform.max() <= 0.7
    assert uniform.mean() == pytest.approx(0.2, abs=0.005)
    assert uniform.std() == pytest.approx(1 / math.sqrt(12), rel=0.02)
    default_uniform = _sample("uniform")
    assert default_uniform.min() >= 0 and default_uniform.max() <= 1
    normal = _sample("normal", mean=1.5, std=0.3)
    assert normal.mean() == pytest.approx(1.5, abs=0.005)
    assert normal.std() == pytest.approx(0.3, rel=0.02)


def test_constants_fill_every_entry():
    assert np.array_equal(_sample("zeros"), np.zeros(TALL))
    assert np.array_equal(_sample("ones", (3, 2)), np.ones((3, 2)))
    assert np.array_equal(_sample("constant", (3, 2), value=-0.25), np.full((3, 2), -0.25))


# --- truncated normal with absolute bounds ---------------------------------

TRUNCATIONS = [
    (1.0, 2.0, 0.0, 3.0),  # asymmetric, bounds absolute (not in std units)
    (0.0, 1.0, -2.0, 2.0),  # the default
    (0.0, 1.0, 3.0, 4.0),  # right tail: only 0.13% of the mass
    (5.0, 1.0, -math.inf, -1.0),  # left tail, one-sided, 6 std from the mean
    (0.0, 1.0, -0.2, 0.3),  # narrow interval around the mean
    (0.0, 1.0, -0.05, 0.7),  # 28% of the mass, density falls by a quarter across it
    (0.0, 3.0, -math.inf, math.inf),  # no truncation at all
]


@pytest.mark.parametrize(("mean", "std", "a", "b"), TRUNCATIONS)
def test_truncated_normal_matches_truncated_distribution(mean, std, a, b):
    weights = _sample("truncated_normal", (200, 100), mean=mean, std=std, a=a, b=b)
    assert weights.min() >= a and weights.max() <= b
    expected_mean, expected_std = _truncated_moments(mean, std, a, b)
    assert weights.mean() == pytest.approx(expected_mean, abs=0.02 * expected_std)
    assert weights.std() == pytest.approx(expected_std, rel=0.02)


@pytest.mark.parametrize(("mean", "std", "a", "b"), TRUNCATIONS)
def test_truncated_normal_passes_kolmogorov_smirnov_against_scipy(mean, std, a, b):
    from scipy import stats

    weights = _sample("truncated_normal", (5000,), mean=mean, std=std, a=a, b=b)
    reference = stats.truncnorm((a - mean) / std, (b - mean) / std, loc=mean, scale=std)
    assert stats.kstest(weights, reference.cdf).pvalue > 0.01


def test_trunc_normal_in_place_keeps_values_in_absolute_bounds():
    param = ln.Parameter(np.empty((300, 200), dtype=np.float32))
    init.trunc_normal_(param, mean=1.0, std=2.0, a=0.0, b=3.0, rng=SEED)
    assert param.data.min() >= 0 and param.data.max() <= 3
    assert param.data.min() < 0.01 and param.data.max() > 2.99


# --- PyTorch reference -------------------------------------------------------

NONLINEARITIES = [
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "selu",
]


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_calculate_gain_equals_torch(nonlinearity):
    expected = torch.nn.init.calculate_gain(nonlinearity)
    assert init.calculate_gain(nonlinearity) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("slope", [0.0, 0.2, 1, math.sqrt(5), 3.5])
def test_calculate_gain_leaky_relu_slope_equals_torch(slope):
    expected = torch.nn.init.calculate_gain("leaky_relu", slope)
    assert init.calculate_gain("leaky_relu", slope) == pytest.approx(expected, rel=1e-15)


def test_calculate_gain_known_values():
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("selu") == 0.75
    assert init.calculate_gain("leaky_relu") == math.sqrt(2 / (1 + 0.01**2))
    assert init.calculate_gain("identity") == 1 and init.calculate_gain("logistic") == 1


def test_standard_uniform_limit_equals_torch_linear_default_bound():
    in_features, out_features = TALL
    torch.manual_seed(0)
    torch_weight = torch.nn.Linear(in_features, out_features).weight.detach().double().numpy()
    ours = _sample("standard_uniform", (in_features, out_features))
    bound = 1 / math.sqrt(in_features)
    for weights in (torch_weight, ours):
        assert np.abs(weights).max() <= bound
        assert np.abs(weights).max() > 0.995 * bound
    assert ours.std() == pytest.approx(torch_weight.std(), rel=0.02)


@pytest.mark.parametrize(
    ("ours", "theirs", "options"),
    [
        ("xavier_uniform", torch.nn.init.xavier_uniform_, {}),
        ("xavier_normal", torch.nn.init.xavier_normal_, {"gain": 1.5}),
        ("kaiming_uniform", torch.nn.init.kaiming_uniform_, {}),
        ("kaiming_uniform", torch.nn.init.kaiming_uniform_, {"mode": "fan_out"}),
        ("kaiming_normal", torch.nn.init.kaiming_normal_, {"a": 0.3}),
        ("kaiming_normal", torch.nn.init.kaiming_normal_, {"mode": "fan_out"}),
        ("orthogonal", torch.nn.init.orthogonal_, {"gain": 2.0}),
    ],
)
@pytest.mark.parametrize("shape", [TALL, WIDE], ids=["tall", "wide"])
def test_statistics_match_torch_on_transposed_layout(ours, theirs, options, shape):
    torch.manual_seed(0)
    # torch stores (out, in): the same layer's weight is our shape transposed.
    reference = theirs(torch.empty(shape[::-1], dtype=torch.float64), **options).numpy().T
    weights = _sample(ours, shape, **options)
    assert weights.std() == pytest.approx(reference.std(), rel=0.02)
    assert np.abs(weights).max() == pytest.approx(np.abs(reference).max(), rel=0.2)


# --- orthogonal --------------------------------------------------------------


@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_orthogonal_tall_has_orthonormal_columns(gain):
    weights = _sample("orthogonal", TALL, gain=gain)
    assert np.allclose(weights.T @ weights, gain**2 * np.eye(TALL[1]), atol=1e-5)


@pytest.mark.parametrize("gain", [1.0, 0.5])
def test_orthogonal_wide_has_orthonormal_rows(gain):
    weights = _sample("orthogonal", WIDE, gain=gain)
    assert np.allclose(weights @ weights.T, gain**2 * np.eye(WIDE[0]), atol=1e-5)


def test_orthogonal_square_float32_is_orthogonal():
    weights = init.get("orthogonal")((64, 64), rng=SEED)
    assert weights.dtype == np.float32
    assert np.allclose(weights.T @ weights, np.eye(64), atol=1e-5)
    assert np.allclose(weights @ weights.T, np.eye(64), atol=1e-5)


@pytest.mark.parametrize("seed", range(8))
def test_orthogonal_sign_correction_makes_first_column_the_normalized_gaussian(seed):
    # Q R = G with diag(R) > 0 makes Q's first column G's first column over its norm
    # (without the correction LAPACK's sign depends on G[0, 0]).
    gaussian = np.random.default_rng(seed).standard_normal((5, 3))
    weights = init.get("orthogonal")((5, 3), rng=seed, dtype="float64")
    first = gaussian[:, 0] / np.linalg.norm(gaussian[:, 0])
    assert np.allclose(weights[:, 0], first, atol=1e-12)


def test_orthogonal_flattens_leading_axes_and_rejects_vectors():
    weights = _sample("orthogonal", (2, 3, 4))
    flat = weights.reshape(6, 4)
    assert np.allclose(flat.T @ flat, np.eye(4), atol=1e-12)
    with pytest.raises(ValueError, match="orthogonal"):
        init.get("orthogonal")((5,))


# --- reproducibility and dtype -----------------------------------------------


@pytest.mark.parametrize("name", init.available())
def test_same_int_seed_gives_bit_identical_weights(name):
    initializer = init.get(name)
    first = initializer((30, 20), rng=7)
    assert np.array_equal(first, initializer((30, 20), rng=7))
    assert np.array_equal(first, initializer((30, 20), rng=np.random.default_rng(7)))


@pytest.mark.parametrize("name", ["he_uniform", "xavier_normal", "orthogonal", "truncated_normal"])
def test_manual_seed_reproduces_global_draws(name):
    initializer = init.get(name)
    ln.manual_seed(42)
    first, second = initializer((30, 20)), initializer((30, 20))
    assert not np.array_equal(first, second)
    ln.manual_seed(42)
    assert np.array_equal(first, initializer((30, 20)))
    assert np.array_equal(second, initializer((30, 20)))


def test_generator_is_advanced_between_calls():
    rng = np.random.default_rng(0)
    initializer = init.get("normal")
    assert not np.array_equal(initializer((10,), rng=rng), initializer((10,), rng=rng))


@pytest.mark.parametrize("name", init.available())
def test_dtype_default_float32_and_float64_honoured(name):
    initializer = init.get(name)
    assert initializer((6, 4), rng=0).dtype == np.float32
    wide = initializer((6, 4), rng=0, dtype="float64")
    assert wide.dtype == np.float64
    assert initializer((6, 4), rng=0, dtype=np.float64).dtype == np.float64
    # Same seed, same draw: float32 is the float64 result rounded.
    assert np.array_equal(initializer((6, 4), rng=0), wide.astype(np.float32))


def test_default_dtype_setting_is_followed():
    previous = ln.get_default_dtype()
    try:
        ln.set_default_dtype("float64")
        assert init.get("he_normal")((4, 3), rng=0).dtype == np.float64
    finally:
        ln.set_default_dtype(previous)


# --- in-place helpers --------------------------------------------------------

IN_PLACE = [
    (init.zeros_, {}, "zeros", {}),
    (init.ones_, {}, "ones", {}),
    (init.constant_, {"value": 0.3}, "constant", {"value": 0.3}),
    (init.uniform_, {"a": -1.0, "b": 2.0}, "uniform", {"low": -1.0, "high": 2.0}),
    (init.normal_, {"mean": 1.0, "std": 0.5}, "normal", {"mean": 1.0, "std": 0.5}),
    (init.trunc_normal_, {"a": -1.0, "b": 1.5}, "truncated_normal", {"a": -1.0, "b": 1.5}),
    (init.xavier_uniform_, {"gain": 2.0}, "xavier_uniform", {"gain": 2.0}),
    (init.xavier_normal_, {}, "xavier_normal", {}),
    (init.xavier_normal_, {"truncated": True}, "xavier_normal", {"truncated": True}),
    (init.kaiming_uniform_, {"a": math.sqrt(5)}, "kaiming_uniform", {"a": math.sqrt(5)}),
    (init.kaiming_normal_, {"mode": "fan_out"}, "kaiming_normal", {"mode": "fan_out"}),
    (init.orthogonal_, {"gain": 1.5}, "orthogonal", {"gain": 1.5}),
    (init.lecun_uniform_, {}, "lecun_uniform", {}),
    (init.lecun_normal_, {}, "lecun_normal", {}),
    (init.standard_uniform_, {}, "standard_uniform", {}),
]


@pytest.mark.parametrize(
    ("fill_", "options", "name", "config"), IN_PLACE, ids=[c[0].__name__ for c in IN_PLACE]
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_in_place_helper_fills_same_array_with_initializer_values(
    fill_, options, name, config, dtype
):
    param = ln.Parameter(np.full((40, 30), np.nan, dtype=dtype))
    storage = param.data
    assert fill_(param, **options, rng=SEED) is param
    assert param.data is storage and param.data.dtype == dtype
    expected = init.get(name, **config)((40, 30), rng=SEED, dtype=dtype)
    assert np.array_equal(param.data, expected)


def test_in_place_helper_accepts_plain_ndarray_and_rejects_others():
    array = np.zeros((4, 3))
    assert init.ones_(array) is array and np.array_equal(array, np.ones((4, 3)))
    with pytest.raises(TypeError, match="param"):
        init.zeros_([1.0, 2.0])


def test_kaiming_uniform_sqrt5_reproduces_torch_linear_default_limit():
    # nn.Linear's reset_parameters: kaiming_uniform_(weight, a=sqrt(5)) -> limit 1/sqrt(in).
    param = ln.Parameter(np.empty(TALL, dtype=np.float64))
    init.kaiming_uniform_(param, a=math.sqrt(5), rng=SEED)
    limit = 1 / math.sqrt(TALL[0])
    assert np.abs(param.data).max() <= limit and np.abs(param.data).max() > 0.995 * limit


# --- auto_initializer ---------------------------------------------------------


@pytest.mark.parametrize(
    ("activation", "expected"),
    [
        ("relu", "he_uniform"),
        ("leaky_relu", "he_uniform"),
        ("elu", "he_uniform"),
        ("gelu", "he_uniform"),
        ("silu", "he_uniform"),
        ("swish", "he_uniform"),
        ("mish", "he_uniform"),
        ("relu6", "he_uniform"),
        ("prelu", "he_uniform"),
        ("ReLU", "he_uniform"),
        ("selu", "lecun_normal"),
        (None, "glorot_uniform"),
        ("identity", "glorot_uniform"),
        ("linear", "glorot_uniform"),
        ("sigmoid", "glorot_uniform"),
        ("logistic", "glorot_uniform"),
        ("tanh", "glorot_uniform"),
        ("softmax", "glorot_uniform"),
        ("softplus", "glorot_uniform"),
    ],
)
def test_auto_initializer_table(activation, expected):
    assert init.auto_initializer(activation) == expected
    assert init.get(init.auto_initializer(activation)) is not None


def test_auto_initializer_reads_name_of_activation_objects():
    class FakeActivation:
        name = "leaky_relu"

    assert init.auto_initializer(FakeActivation()) == "he_uniform"
    assert init.auto_initializer(lambda x: x) == "glorot_uniform"


# --- get, registry, config ------------------------------------------------------

REQUIRED = [
    "zeros",
    "ones",
    "constant",
    "uniform",
    "normal",
    "truncated_normal",
    "standard_uniform",
    "lecun_uniform",
    "lecun_normal",
    "xavier_uniform",
    "glorot_uniform",
    "xavier_normal",
    "glorot_normal",
    "kaiming_uniform",
    "he_uniform",
    "kaiming_normal",
    "he_normal",
    "orthogonal",
    "variance_scaling",
]


@pytest.mark.parametrize("name", REQUIRED)
def test_required_name_resolves_and_round_trips_through_config(name):
    initializer = init.get(name)
    assert isinstance(initializer, init.Initializer)
    assert isinstance(initializer.name, str) and initializer.name in init.available()
    rebuilt = init.get(initializer.name, **initializer.get_config())
    assert rebuilt == initializer
    assert init.get({"name": name, "config": initializer.get_config()}) == initializer
    assert repr(initializer).startswith(type(initializer).__name__ + "(")


def test_aliases_resolve_to_the_same_initializer():
    assert init.get("glorot_uniform") == init.get("xavier_uniform")
    assert init.get("He_Normal", mode="fan_out") == init.get("kaiming_normal", mode="fan_out")
    assert repr(init.get("xavier_uniform", gain=2.0)) == "XavierUniform(gain=2.0)"


def test_get_accepts_instance_and_callable():
    instance = init.XavierNormal(gain=2.0)
    assert init.get(instance) is instance

    def custom(shape, rng=None, dtype=None):
        return np.full(shape, 0.5)

    assert init.get(custom) is custom
    assert init.get(None) is None


def test_wrappers_are_variance_scaling():
    for name in ("standard_uniform", "lecun_normal", "glorot_uniform", "he_normal"):
        assert isinstance(init.get(name), init.VarianceScaling)


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="xavier_unifrom") as error:
        init.get("xavier_unifrom")
    assert "xavier_uniform" in str(error.value) and "he_normal" in str(error.value)


@pytest.mark.parametrize(
    ("name", "options", "argument"),
    [
        ("variance_scaling", {"mode": "fan_xx"}, "fan_xx"),
        ("variance_scaling", {"distribution": "normal"}, "distribution"),
        ("variance_scaling", {"scale": 0.0}, "scale"),
        ("variance_scaling", {"scale": -1.0}, "scale"),
        ("kaiming_uniform", {"mode": "fan_avg"}, "mode"),
        ("kaiming_normal", {"nonlinearity": "swishy"}, "swishy"),
        ("kaiming_normal", {"a": "x"}, "^a must be a finite real number"),
        ("normal", {"std": -1.0}, "std"),
        ("normal", {"mean": math.nan}, "mean"),
        ("truncated_normal", {"std": 0.0}, "std"),
        ("truncated_normal", {"a": 2.0, "b": 2.0}, "a=2.0"),
        ("truncated_normal", {"a": 3.0, "b": -3.0}, "b=-3.0"),
        ("uniform", {"low": 1.0, "high": 0.0}, "low"),
        ("xavier_uniform", {"gain": 0.0}, "gain"),
        ("orthogonal", {"gain": -1.0}, "gain"),
        ("lecun_normal", {"truncated": "yes"}, "truncated"),
        ("constant", {"value": "one"}, "value"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(name, options, argument):
    with pytest.raises(ValueError, match=argument):
        init.get(name, **options)


@pytest.mark.parametrize("shape", [(3, 0), (-1, 2), (2.5, 3), "ab", (True, 2), None])
def test_bad_shape_raises_value_error(shape):
    with pytest.raises(ValueError, match="shape"):
        init.get("he_uniform")(shape)


def test_calculate_gain_rejects_unknown_nonlinearity_and_bad_slope():
    with pytest.raises(ValueError, match="softmaxx"):
        init.calculate_gain("softmaxx")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "0.2")
