"""Tests for ln.datasets: generated problems, bundled scikit-learn sets, train_test_split."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import lucidnet as ln
from lucidnet import datasets

GENERATORS = {
    "xor": lambda **kw: datasets.xor(200, noise=0.1, **kw),
    "moons": lambda **kw: datasets.moons(200, noise=0.1, **kw),
    "circles": lambda **kw: datasets.circles(200, noise=0.05, **kw),
    "spirals": lambda **kw: datasets.spirals(300, n_classes=3, noise=0.2, **kw),
    "blobs": lambda **kw: datasets.blobs(300, centers=3, **kw),
}


def _radii(points: np.ndarray, center: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    return np.hypot(points[:, 0] - center[0], points[:, 1] - center[1])


# ----------------------------------------------------------------- shapes, dtypes, labels


@pytest.mark.parametrize(
    ("name", "shape", "labels"),
    [
        ("xor", (200, 2), [0, 1]),
        ("moons", (200, 2), [0, 1]),
        ("circles", (200, 2), [0, 1]),
        ("spirals", (300, 2), [0, 1, 2]),
        ("blobs", (300, 2), [0, 1, 2]),
    ],
)
def test_generator_returns_float32_x_and_int64_labels_of_the_right_shape(name, shape, labels):
    x, y = GENERATORS[name](random_state=0)
    assert x.shape == shape and x.dtype == np.float32
    assert y.shape == (shape[0],) and y.dtype == np.int64
    assert sorted(set(y.tolist())) == labels
    assert np.all(np.isfinite(x))


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generator_dtype_float64_gives_the_float32_values_in_double(name):
    x64, y64 = GENERATORS[name](random_state=3, dtype="float64")
    x32, y32 = GENERATORS[name](random_state=3, dtype=np.float32)
    assert x64.dtype == np.float64 and x32.dtype == np.float32
    np.testing.assert_array_equal(y64, y32)
    np.testing.assert_array_equal(x64.astype(np.float32), x32)


def test_generators_follow_the_global_default_dtype():
    ln.set_default_dtype("float64")
    try:
        x, _ = datasets.moons(10, random_state=0)
    finally:
        ln.set_default_dtype("float32")
    assert x.dtype == np.float64


@pytest.mark.parametrize(
    ("make", "counts"),
    [
        (lambda: datasets.moons(200, random_state=0), [100, 100]),
        (lambda: datasets.moons(201, random_state=0), [100, 101]),
        (lambda: datasets.circles(201, random_state=0), [100, 101]),
        (lambda: datasets.spirals(300, n_classes=3, random_state=0), [100, 100, 100]),
        (lambda: datasets.spirals(10, n_classes=3, random_state=0), [4, 3, 3]),
        (lambda: datasets.spirals(100, n_classes=5, random_state=0), [20] * 5),
        (lambda: datasets.blobs(301, centers=3, random_state=0), [101, 100, 100]),
        (lambda: datasets.xor(200, noise=0.2, random_state=0), [100, 100]),
    ],
)
def test_classes_are_balanced(make, counts):
    _, y = make()
    assert np.bincount(y).tolist() == counts


# ----------------------------------------------------------------- reproducibility


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_same_seed_gives_identical_data_and_different_seed_different_data(name):
    x1, y1 = GENERATORS[name](random_state=7)
    x2, y2 = GENERATORS[name](random_state=7)
    x3, _ = GENERATORS[name](random_state=8)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_seed_and_rng_are_aliases_of_random_state_and_a_generator_is_accepted(name):
    reference, _ = GENERATORS[name](random_state=11)
    np.testing.assert_array_equal(GENERATORS[name](seed=11)[0], reference)
    np.testing.assert_array_equal(GENERATORS[name](rng=11)[0], reference)
    from_generator, _ = GENERATORS[name](random_state=np.random.default_rng(11))
    np.testing.assert_array_equal(from_generator, reference)


def test_random_state_none_draws_from_the_global_generator_seeded_by_manual_seed():
    ln.manual_seed(123)
    first, _ = datasets.spirals(60, random_state=None)
    ln.manual_seed(123)
    again, _ = datasets.spirals(60)
    following, _ = datasets.spirals(60)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(again, following)


def test_giving_two_random_state_aliases_raises_value_error():
    with pytest.raises(ValueError, match="random_state"):
        datasets.moons(10, random_state=0, seed=0)


# ----------------------------------------------------------------- geometry


def test_xor_defaults_are_exactly_the_truth_table():
    x, y = datasets.xor()
    np.testing.assert_array_equal(x, np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32))
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    x4, y4 = datasets.xor(n_samples=4, noise=0.0, random_state=5)
    np.testing.assert_array_equal(x4, x)
    np.testing.assert_array_equal(y4, y)


def test_xor_centered_corners_are_plus_minus_one_and_label_is_sign_disagreement():
    x, y = datasets.xor(8, centered=True)
    expected_corners = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]] * 2, np.float32)
    np.testing.assert_array_equal(x, expected_corners)
    np.testing.assert_array_equal(y, (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(np.int64))


def test_xor_noise_is_gaussian_around_the_corner_that_gives_the_label():
    x, y = datasets.xor(4000, noise=0.1, random_state=0, dtype="float64")
    corners = datasets.xor(4000, dtype="float64")[0]
    np.testing.assert_array_equal(y, np.tile([0, 1, 1, 0], 1000))
    deviation = x - corners
    assert abs(deviation.mean()) < 0.01
    assert deviation.std() == pytest.approx(0.1, rel=0.05)


def test_moons_without_noise_lie_on_two_shifted_unit_half_circles():
    x, y = datasets.moons(100, noise=0.0, random_state=0, dtype="float64")
    upper, lower = x[y == 0], x[y == 1]
    np.testing.assert_allclose(_radii(upper), 1.0, atol=1e-12)
    np.testing.assert_allclose(_radii(lower, center=(1.0, 0.5)), 1.0, atol=1e-12)
    assert upper[:, 1].min() >= -1e-12 and lower[:, 1].max() <= 0.5 + 1e-12
    # t runs over [0, pi]: the end points of both half circles are present.
    for end in ([1, 0], [-1, 0]):
        assert np.min(np.abs(upper - end).sum(axis=1)) < 1e-12
    for end in ([0, 0.5], [2, 0.5]):
        assert np.min(np.abs(lower - end).sum(axis=1)) < 1e-12


def test_moons_noise_has_the_requested_standard_deviation():
    clean, y_clean = datasets.moons(2000, noise=0.0, shuffle=False, dtype="float64")
    noisy, y_noisy = datasets.moons(2000, noise=0.2, shuffle=False, random_state=1)
    np.testing.assert_array_equal(y_clean, y_noisy)
    assert (noisy - clean).std() == pytest.approx(0.2, rel=0.05)


@pytest.mark.parametrize("factor", [0.0, 0.3, 0.5, 0.8])
def test_circles_without_noise_have_outer_radius_one_and_inner_radius_factor(factor):
    x, y = datasets.circles(200, noise=0.0, factor=factor, random_state=0, dtype="float64")
    np.testing.assert_allclose(_radii(x[y == 0]), 1.0, atol=1e-12)
    np.testing.assert_allclose(_radii(x[y == 1]), factor, atol=1e-12)


def test_circles_points_are_evenly_spaced_in_angle():
    x, y = datasets.circles(8, noise=0.0, shuffle=False, dtype="float64")
    angles = np.arctan2(x[y == 0, 1], x[y == 0, 0]) % (2 * np.pi)
    np.testing.assert_allclose(angles, np.arange(4) * np.pi / 2, atol=1e-12)


def test_circles_with_noise_scatter_around_the_two_radii():
    x, y = datasets.circles(4000, noise=0.05, factor=0.5, random_state=0)
    assert _radii(x[y == 0]).mean() == pytest.approx(1.0, abs=0.01)
    assert _radii(x[y == 1]).mean() == pytest.approx(0.5, abs=0.01)
    assert _radii(x[y == 0]).std() == pytest.approx(0.05, rel=0.1)


def test_spirals_radii_run_evenly_from_zero_to_one_on_every_arm():
    x, y = datasets.spirals(300, n_classes=3, noise=0.5, random_state=0, dtype="float64")
    for arm in range(3):
        radii = np.sort(_radii(x[y == arm]))
        np.testing.assert_allclose(radii, np.linspace(0.0, 1.0, 100), atol=1e-12)


def test_spirals_without_noise_follow_angle_four_times_arm_plus_radius():
    x, y = datasets.spirals(90, n_classes=3, noise=0.0, random_state=0, dtype="float64")
    radius = _radii(x)
    outside_origin = radius > 0
    angle = np.arctan2(x[:, 0], x[:, 1])  # the point is (r sin t, r cos t)
    expected = 4.0 * (y + radius)
    wrapped = np.angle(np.exp(1j * (angle - expected)))
    np.testing.assert_allclose(wrapped[outside_origin], 0.0, atol=1e-9)


def test_spirals_noise_changes_angles_but_not_radii():
    clean, _ = datasets.spirals(300, noise=0.0, shuffle=False, dtype="float64")
    noisy, _ = datasets.spirals(300, noise=0.3, shuffle=False, random_state=0, dtype="float64")
    np.testing.assert_allclose(_radii(noisy), _radii(clean), atol=1e-12)
    assert not np.allclose(noisy, clean)


def test_blobs_gather_around_the_given_centers_with_the_given_spread():
    centers = np.array([[0.0, 0.0, 0.0], [5.0, -5.0, 2.0]])
    x, y = datasets.blobs(4000, centers=centers, cluster_std=[0.5, 2.0], random_state=0)
    assert x.shape == (4000, 3)
    for k, std in enumerate([0.5, 2.0]):
        np.testing.assert_allclose(x[y == k].mean(axis=0), centers[k], atol=4 * std / 40)
        np.testing.assert_allclose(x[y == k].std(axis=0), std, rtol=0.1)


def test_blobs_random_centers_lie_in_center_box_and_are_returned():
    x, y, centers = datasets.blobs(
        3000, centers=4, n_features=5, center_box=(2.0, 3.0), random_state=0, return_centers=True
    )
    assert centers.shape == (4, 5) and x.shape == (3000, 5)
    assert centers.min() >= 2.0 and centers.max() <= 3.0
    for k in range(4):
        np.testing.assert_allclose(x[y == k].mean(axis=0), centers[k], atol=0.15)


def test_shuffle_false_keeps_classes_in_order():
    _, y = datasets.moons(6, noise=0.0, shuffle=False)
    np.testing.assert_array_equal(y, [0, 0, 0, 1, 1, 1])
    _, y = datasets.spirals(6, n_classes=3, shuffle=False, random_state=0)
    np.testing.assert_array_equal(y, [0, 0, 1, 1, 2, 2])


# ----------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    ("make", "argument"),
    [
        (lambda: datasets.moons(0), "n_samples"),
        (lambda: datasets.moons(-5), "n_samples"),
        (lambda: datasets.moons(10.5), "n_samples"),
        (lambda: datasets.xor(True), "n_samples"),
        (lambda: datasets.circles(n_samples="100"), "n_samples"),
        (lambda: datasets.spirals(0), "n_samples"),
        (lambda: datasets.blobs(0), "n_samples"),
        (lambda: datasets.moons(noise=-0.1), "noise"),
        (lambda: datasets.xor(noise=float("nan")), "noise"),
        (lambda: datasets.circles(noise=-1), "noise"),
        (lambda: datasets.spirals(noise=-0.2), "noise"),
        (lambda: datasets.circles(factor=1.0), "factor"),
        (lambda: datasets.circles(factor=-0.1), "factor"),
        (lambda: datasets.spirals(n_classes=1), "n_classes"),
        (lambda: datasets.spirals(n_classes=2.0), "n_classes"),
        (lambda: datasets.blobs(centers=0), "centers"),
        (lambda: datasets.blobs(centers=[1.0, 2.0]), "centers"),
        (lambda: datasets.blobs(n_features=0), "n_features"),
        (lambda: datasets.blobs(cluster_std=-1.0), "cluster_std"),
        (lambda: datasets.blobs(centers=3, cluster_std=[1.0, 2.0]), "cluster_std"),
        (lambda: datasets.blobs(center_box=(1.0, -1.0)), "center_box"),
        (lambda: datasets.blobs(center_box=(0.0, 1.0, 2.0)), "center_box"),
        (lambda: datasets.digits(n_class=11), "n_class"),
    ],
)
def test_bad_argument_raises_value_error_naming_it(make, argument):
    with pytest.raises(ValueError, match=argument):
        make()


# ----------------------------------------------------------------- bundled scikit-learn sets


def test_digits_are_1797_images_of_64_pixels_scaled_to_unit_interval():
    import sklearn  # noqa: F401  (a test dependency)

    x, y = datasets.digits()
    assert x.shape == (1797, 64) and x.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    assert sorted(set(y.tolist())) == list(range(10))
    raw, raw_y = datasets.digits(scale=False, dtype="float64")
    assert raw.dtype == np.float64 and raw.max() == 16.0
    np.testing.assert_allclose(raw / 16.0, x, rtol=1e-7)
    np.testing.assert_array_equal(raw_y, y)


def test_digits_n_class_keeps_only_the_first_digits():
    import sklearn  # noqa: F401  (a test dependency)

    x, y = datasets.digits(n_class=3)
    assert sorted(set(y.tolist())) == [0, 1, 2] and len(x) == len(y) < 1797 // 3 + 100


def test_iris_is_150_flowers_of_4_features_in_three_classes_of_50():
    import sklearn  # noqa: F401  (a test dependency)

    x, y = datasets.iris()
    assert x.shape == (150, 4) and x.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 50, 50]
    np.testing.assert_allclose(x[0], [5.1, 3.5, 1.4, 0.2], rtol=1e-6)
    assert datasets.iris(dtype="float64")[0].dtype == np.float64


def test_return_x_y_false_gives_the_bunch_with_converted_arrays():
    import sklearn  # noqa: F401  (a test dependency)

    bunch = datasets.iris(return_X_y=False)
    assert bunch.data.dtype == np.float32 and bunch.target.dtype == np.int64
    assert list(bunch.target_names) == ["setosa", "versicolor", "virginica"]
    digits_bunch = datasets.digits(return_X_y=False)
    assert digits_bunch.images.shape == (1797, 8, 8) and digits_bunch.data.max() == 1.0


def test_bundled_sets_without_scikit_learn_raise_import_error_saying_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        datasets.iris()
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        datasets.digits()


# ----------------------------------------------------------------- train_test_split


def _indexed_data(n: int, n_classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """x whose first column is the row number, so every split can be traced back."""
    x = np.column_stack([np.arange(n, dtype=np.float64), np.zeros(n)])
    return x, np.arange(n) % n_classes


@pytest.mark.parametrize(
    ("n", "test_size", "n_test"),
    [
        (100, 0.25, 25),
        (10, 0.25, 3),
        (7, 0.5, 4),
        (100, 10, 10),
        (5, 1, 1),
        (3, 0.5, 2),
        (100, 0.07, 7),
        (30, 0.1, 3),
    ],
)
def test_train_test_split_sizes_use_ceil_for_fractions_and_counts_for_ints(n, test_size, n_test):
    x, y = _indexed_data(n)
    x_train, x_test, y_train, y_test = datasets.train_test_split(
        x, y, test_size=test_size, random_state=0
    )
    assert len(x_test) == len(y_test) == n_test
    assert len(x_train) == len(y_train) == n - n_test


def test_train_test_split_is_a_partition_that_keeps_rows_and_labels_together():
    x, y = _indexed_data(50, n_classes=5)
    x_train, x_test, y_train, y_test = datasets.train_test_split(x, y, random_state=0)
    rows = np.concatenate([x_train[:, 0], x_test[:, 0]]).astype(int)
    assert sorted(rows.tolist()) == list(range(50))
    np.testing.assert_array_equal(x_train[:, 0].astype(int) % 5, y_train)
    np.testing.assert_array_equal(x_test[:, 0].astype(int) % 5, y_test)
    assert x_train.dtype == x.dtype


def test_train_test_split_same_seed_same_split_different_seed_different_split():
    x, y = _indexed_data(40)
    first = datasets.train_test_split(x, y, random_state=3)
    second = datasets.train_test_split(x, y, random_state=3)
    other = datasets.train_test_split(x, y, random_state=4)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[1], other[1])
    stratified = [datasets.train_test_split(x, y, random_state=5, stratify=y)[1] for _ in range(2)]
    np.testing.assert_array_equal(stratified[0], stratified[1])


def test_train_test_split_without_shuffle_takes_the_last_samples_for_test():
    x, y = _indexed_data(10)
    x_train, x_test, _, _ = datasets.train_test_split(x, y, test_size=0.3, shuffle=False)
    np.testing.assert_array_equal(x_train[:, 0], np.arange(7))
    np.testing.assert_array_equal(x_test[:, 0], [7, 8, 9])


def test_train_test_split_shuffles_by_default():
    x, y = _indexed_data(100)
    x_train, _, _, _ = datasets.train_test_split(x, y, random_state=0)
    assert not np.array_equal(x_train[:, 0], np.sort(x_train[:, 0]))


@pytest.mark.parametrize("seed", range(5))
def test_stratified_split_keeps_each_class_share_in_both_parts(seed):
    y = np.repeat([0, 1, 2], [60, 30, 10])
    x = np.arange(100.0)[:, None]
    _, _, y_train, y_test = datasets.train_test_split(
        x, y, test_size=0.2, random_state=seed, stratify=y
    )
    assert np.bincount(y_test).tolist() == [12, 6, 2]
    assert np.bincount(y_train).tolist() == [48, 24, 8]


def test_stratified_split_rounds_by_largest_remainder_to_the_requested_size():
    y = np.repeat([0, 1, 2], [5, 5, 5])
    _, x_test, _, y_test = datasets.train_test_split(
        np.zeros((15, 1)), y, test_size=4, random_state=0, stratify=True
    )
    counts = np.bincount(y_test, minlength=3)
    assert len(x_test) == 4 and counts.sum() == 4 and sorted(counts.tolist()) == [1, 1, 2]


def test_stratify_accepts_one_hot_labels():
    y = np.eye(2)[np.repeat([0, 1], [80, 20])]
    _, _, _, y_test = datasets.train_test_split(
        np.zeros((100, 1)), y, test_size=0.25, random_state=0, stratify=y
    )
    assert y_test.sum(axis=0).tolist() == [20, 5]


def test_train_test_split_accepts_lists():
    x_train, x_test, y_train, y_test = datasets.train_test_split(
        [[1.0], [2.0], [3.0], [4.0]], [0, 1, 0, 1], test_size=0.5, random_state=0
    )
    assert isinstance(x_train, np.ndarray) and x_test.shape == (2, 1) and y_train.shape == (2,)
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == [0, 0, 1, 1]


def test_train_test_split_keeps_pandas_objects_and_their_index():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": np.arange(10.0), "b": np.zeros(10)}, index=np.arange(10) * 10)
    labels = pd.Series(np.arange(10) % 2, index=frame.index)
    x_train, x_test, y_train, y_test = datasets.train_test_split(
        frame, labels, test_size=3, random_state=0
    )
    assert isinstance(x_train, pd.DataFrame) and isinstance(x_test, pd.DataFrame)
    assert isinstance(y_train, pd.Series) and isinstance(y_test, pd.Series)
    assert len(x_test) == 3 and len(x_train) == 7
    assert list(x_test.index) == list(y_test.index)  # rows and labels stay together
    assert sorted([*x_train.index, *x_test.index]) == list(frame.index)


def test_train_test_split_mismatched_lengths_name_both():
    with pytest.raises(ValueError, match=r"x has 10 samples but y has 8"):
        datasets.train_test_split(np.zeros((10, 2)), np.zeros(8))


def test_train_test_split_fraction_that_leaves_no_training_sample_raises():
    with pytest.raises(ValueError, match=r"test_size=0.9 leaves no training sample out of 3"):
        datasets.train_test_split(np.zeros((3, 1)), np.zeros(3), test_size=0.9)


@pytest.mark.parametrize("test_size", [0.0, 1.0, 1.5, -0.1, 0, 10, 11, True, "0.2", None])
def test_train_test_split_bad_test_size_raises_value_error_naming_it(test_size):
    with pytest.raises(ValueError, match="test_size"):
        datasets.train_test_split(np.zeros((10, 2)), np.zeros(10), test_size=test_size)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stratify": True, "shuffle": False}, "shuffle"),
        ({"stratify": np.zeros(5)}, "stratify has 5 labels"),
        ({"stratify": np.array([0] * 9 + [1])}, "only 1 member"),
        ({"stratify": np.arange(10) % 5, "test_size": 3}, "classes"),
    ],
)
def test_stratify_bad_use_raises_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        datasets.train_test_split(np.zeros((10, 1)), np.arange(10) % 2, **kwargs)


# ----------------------------------------------------------------- load / available


def test_available_lists_every_built_in_data_set():
    assert datasets.available() == ["xor", "moons", "circles", "spirals", "blobs", "digits", "iris"]


@pytest.mark.parametrize(
    ("name", "function"),
    [
        ("xor", datasets.xor),
        ("moons", datasets.moons),
        ("Circles", datasets.circles),
        ("spiral", datasets.spirals),
        ("gaussian_blobs", datasets.blobs),
    ],
)
def test_load_by_name_or_alias_calls_the_generator_with_the_options(name, function):
    x, y = datasets.load(name, n_samples=40, random_state=2)
    x_direct, y_direct = function(n_samples=40, random_state=2)
    np.testing.assert_array_equal(x, x_direct)
    np.testing.assert_array_equal(y, y_direct)


def test_load_bundled_set_by_name():
    import sklearn  # noqa: F401  (a test dependency)

    x, _y = datasets.load("iris", dtype="float64")
    assert x.shape == (150, 4) and x.dtype == np.float64


def test_load_unknown_name_raises_value_error_listing_the_names():
    with pytest.raises(ValueError, match=r"moons.*spirals|spirals.*moons"):
        datasets.load("mnist")


def test_load_passes_bad_values_through_as_value_errors():
    with pytest.raises(ValueError, match="noise"):
        datasets.load("moons", noise=-1.0)


@pytest.mark.parametrize("n_samples", [7, 200])
def test_moons_and_circles_without_noise_equal_scikit_learn(n_samples):
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    for ours, theirs in [
        (datasets.moons, sklearn_datasets.make_moons),
        (
            lambda n, **kw: datasets.circles(n, factor=0.3, **kw),
            lambda n, **kw: sklearn_datasets.make_circles(n, factor=0.3, **kw),
        ),
    ]:
        x, y = ours(n_samples, noise=0.0, shuffle=False, dtype="float64")
        x_ref, y_ref = theirs(n_samples, noise=None, shuffle=False)
        np.testing.assert_allclose(x, x_ref, atol=1e-12)
        np.testing.assert_array_equal(y, y_ref)
