"""ln.viz: every picture is a Figure, is saved when asked, and draws the right numbers."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

import lucidnet as ln
from lucidnet.viz import (
    animate_training,
    plot_activation,
    plot_decision_boundary,
    plot_graph,
    plot_health,
    plot_history,
    plot_initializers,
    plot_model,
    plot_network,
)
from lucidnet.viz.training import _predicted_classes

matplotlib = pytest.importorskip("matplotlib")
Image = pytest.importorskip("PIL.Image")
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# ----------------------------------------------------------------- helpers
def assert_png(path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 2000


def texts_of(figure: Figure) -> list[str]:
    """Every text drawn in the figure: axes texts, titles, labels, legends, suptitle."""
    return [t.get_text() for t in figure.findobj(matplotlib.text.Text) if t.get_text()]


def seed_chain_rule() -> ln.Tensor:
    x, y, z = (ln.tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    x.name, y.name, z.name = "x", "y", "z"
    q = x + y
    q.name = "q"
    q.retain_grad()
    f = q * z
    f.name = "f"
    f.backward()
    return f


def small_sequential(hidden: int = 3) -> ln.Sequential:
    ln.manual_seed(0)
    return ln.Sequential(
        [
            ln.layers.Dense(hidden, activation="relu", input_shape=(2,), name="hidden"),
            ln.layers.Dense(2, activation="softmax", name="out"),
        ],
        name="tiny",
    )


class FakeHistory:
    def __init__(self, history: dict[str, list[float]]) -> None:
        self.history = history


class FakeLinearClassifier:
    """A compiled-looking model: class 1 where w . x > 0; each fit epoch turns w by 10 degrees."""

    def __init__(self) -> None:
        self.optimizer = "sgd"
        self.angle = 0.0
        self.fit_calls: list[dict] = []
        self.epochs_done = 0

    def fit(self, x, y, epochs, verbose=1, **kwargs):
        self.fit_calls.append({"epochs": epochs, "verbose": verbose, **kwargs})
        losses = [1.0 / (self.epochs_done + e + 1) for e in range(epochs)]
        self.epochs_done += epochs
        self.angle += math.radians(10) * epochs
        return FakeHistory({"loss": losses})

    def predict(self, x):
        w = np.array([math.cos(self.angle), math.sin(self.angle)])
        return (1 / (1 + np.exp(-(np.asarray(x) @ w))))[:, None]


def two_blobs(n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = np.arange(n) % 2
    x = rng.normal(size=(n, 2)) * 0.4 + np.where(y[:, None] == 1, 1.0, -1.0)
    return x, y


# ----------------------------------------------------------------- import
def test_import_lucidnet_and_viz_does_not_import_matplotlib():
    code = (
        "import sys, lucidnet, lucidnet.viz; "
        "assert 'matplotlib' not in sys.modules and 'PIL' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ----------------------------------------------------------------- plot_activation
def test_plot_activation_draws_function_left_and_derivative_right(tmp_path):
    figure = plot_activation(["sigmoid", "relu"], path=tmp_path / "act.png")
    assert isinstance(figure, Figure)
    assert_png(tmp_path / "act.png")
    axes = figure.axes
    assert len(axes) == 4
    x, value = axes[0].lines[-1].get_data()
    _, slope = axes[1].lines[-1].get_data()
    sigmoid = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(value, sigmoid, atol=1e-12)
    np.testing.assert_allclose(slope, sigmoid * (1 - sigmoid), atol=1e-12)
    x, relu_slope = axes[3].lines[-1].get_data()
    np.testing.assert_array_equal(relu_slope, (x > 0).astype(float))
    assert (x[0], x[-1]) == (-6, 6)
    assert axes[0].get_title().startswith("$") and "frac" in axes[0].get_title()
    assert axes[0].get_xlabel() == "x" and axes[1].get_ylabel() == "sigmoid'(x)"


def test_plot_activation_renders_piecewise_formulas_and_draws_softmax_on_two_classes(tmp_path):
    figure = plot_activation(["leaky_relu", "selu", "softmax"], x_range=(-3, 3))
    figure.savefig(tmp_path / "check.png")  # every mathtext title must render
    titles = [ax.get_title() for ax in figure.axes]
    assert titles[0].startswith("$") and r"\leq" in titles[0]
    assert "\n" in titles[2]  # selu's constants on a second line
    x, softmax = figure.axes[4].lines[-1].get_data()
    _, slope = figure.axes[5].lines[-1].get_data()
    p = 1 / (1 + np.exp(-x))  # softmax((x, 0))_1 is the sigmoid
    np.testing.assert_allclose(softmax, p, atol=1e-12)
    np.testing.assert_allclose(slope, p * (1 - p), atol=1e-12)
    assert any("2-class" in t for t in texts_of(figure))


def test_plot_activation_without_derivative_has_one_column():
    figure = plot_activation("tanh", derivative=False)
    assert len(figure.axes) == 1


@pytest.mark.parametrize("x_range", [(1, -1), (0, math.inf), "ab"])
def test_plot_activation_rejects_bad_x_range(x_range):
    with pytest.raises(ValueError, match="x_range"):
        plot_activation("relu", x_range=x_range)


def test_plot_activation_rejects_unknown_name():
    with pytest.raises(
        ValueError, match="unknown activation 'no_such_activation'; valid names: elu"
    ):
        plot_activation("no_such_activation")


# ----------------------------------------------------------------- plot_initializers
def test_plot_initializers_overlays_the_theoretical_densities(tmp_path):
    shape = (300, 100)
    figure = plot_initializers(
        ["xavier_uniform", "he_normal", "lecun_normal"], shape=shape, path=tmp_path / "init.png"
    )
    assert_png(tmp_path / "init.png")
    fan_in, fan_out = shape
    uniform_ax, normal_ax, _ = figure.axes[:3]
    limit = math.sqrt(6 / (fan_in + fan_out))
    box_x, box_y = uniform_ax.lines[0].get_data()
    assert max(box_y) == pytest.approx(1 / (2 * limit))
    assert min(box_x[box_y > 0]) == pytest.approx(-limit)
    assert max(box_x[box_y > 0]) == pytest.approx(limit)
    std = math.sqrt(2 / fan_in)
    _curve_x, curve_y = normal_ax.lines[0].get_data()
    assert max(curve_y) == pytest.approx(1 / (std * math.sqrt(2 * math.pi)), rel=1e-4)
    heights = [patch.get_height() for patch in normal_ax.patches]
    widths = [patch.get_width() for patch in normal_ax.patches]
    assert np.dot(heights, widths) == pytest.approx(1.0)  # a density histogram
    legend = " ".join(t.get_text() for t in uniform_ax.get_legend().get_texts())
    assert f"{limit:.4g}" in legend and "std" in legend
    assert any("fan_in = 300" in t for t in texts_of(figure))


def test_plot_initializers_truncated_density_integrates_to_one():
    figure = plot_initializers(ln.init.get("kaiming_normal", truncated=True), shape=(64, 32))
    x, density = figure.axes[0].lines[0].get_data()
    cut = 2 * math.sqrt(2 / 64) / ln.init.TRUNCATED_STD_RATIO
    assert (x.min(), x.max()) == (pytest.approx(-cut), pytest.approx(cut))
    assert np.trapezoid(density, x) == pytest.approx(1.0, abs=2e-3)


def test_plot_initializers_rejects_bad_bins():
    with pytest.raises(ValueError, match="bins"):
        plot_initializers("zeros", bins=0)


# ----------------------------------------------------------------- plot_graph
def test_plot_graph_shows_the_seed_chain_rule_values_and_gradients(tmp_path):
    figure = plot_graph(seed_chain_rule(), path=tmp_path / "graph.png")
    assert isinstance(figure, Figure)
    assert_png(tmp_path / "graph.png")
    texts = [t.get_text() for t in figure.axes[0].texts]
    boxes = {
        texts[i]: (texts[i + 1], texts[i + 2])
        for i in range(len(texts) - 2)
        if texts[i] in "xyzqf" and texts[i + 1].startswith("data")
    }
    assert boxes == {
        "x": ("data -2", "grad -4"),
        "y": ("data 5", "grad -4"),
        "z": ("data -4", "grad 3"),
        "q": ("data 3", "grad -4"),
        "f": ("data -12", "grad 1"),
    }
    assert "+" in texts and "×" in texts  # the two operations


def test_plot_graph_without_backward_shows_no_gradients():
    a = ln.tensor([1.0, 2.0, 3.0, 4.0, 5.0], requires_grad=True)
    figure = plot_graph((a * 2).sum())
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert "data 30" in texts and "data (5,) mean 3" in texts
    assert not any(t.startswith("grad ") and t != "grad —" for t in texts)


def test_plot_graph_rejects_a_non_tensor():
    with pytest.raises(TypeError, match="Tensor"):
        plot_graph(np.ones(3))


# ----------------------------------------------------------------- plot_model
def test_plot_model_draws_a_sequential_chain_with_shapes(tmp_path):
    figure = plot_model(small_sequential(), path=tmp_path / "model.png")
    assert_png(tmp_path / "model.png")
    texts = texts_of(figure)
    assert "hidden (Dense, relu)" in texts and "out (Dense, softmax)" in texts
    assert "in (None, 2)  →  out (None, 3)" in texts
    assert "9 params" in texts and any("17 params" in t for t in texts)
    arrows = [p for p in figure.axes[0].patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 2  # input -> hidden -> out


def test_plot_model_draws_the_functional_dag_edges():
    a, b = ln.Input(shape=(4,), name="numeric"), ln.Input(shape=(2,), name="category")
    merged = ln.layers.Concatenate(name="merge")(
        [ln.layers.Dense(3, name="left")(a), ln.layers.Dense(2, name="right")(b)]
    )
    heads = [ln.layers.Dense(1, name="head1")(merged), ln.layers.Dense(2, name="head2")(merged)]
    figure = plot_model(ln.Model([a, b], heads, name="dag"), show_shapes=False)
    arrows = [p for p in figure.axes[0].patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 6  # 2 inputs -> 2 dense -> merge -> 2 heads
    texts = texts_of(figure)
    assert "numeric (InputLayer)" in texts and "merge (Concatenate)" in texts
    assert not any("→" in t for t in texts)


def test_plot_model_traces_a_subclassed_model():
    class TwoLayer(ln.Module):
        def __init__(self):
            super().__init__()
            self.first = ln.layers.Linear(3, 4)
            self.second = ln.layers.Linear(4, 1)

        def forward(self, x):
            return self.second(ln.functional.relu(self.first(x)))

    figure = plot_model(TwoLayer(), input_shape=(3,))
    texts = texts_of(figure)
    assert "first (Linear)" in texts and "in (None, 4)  →  out (None, 1)" in texts


def test_plot_model_needs_an_input_shape_when_none_is_known():
    model = ln.Sequential([ln.layers.Dense(2)])
    with pytest.raises(ValueError, match="input_shape"):
        plot_model(model)


# ----------------------------------------------------------------- plot_network
def test_plot_network_colours_and_sizes_lines_by_weight(tmp_path):
    model = small_sequential()
    figure = plot_network(model, path=tmp_path / "net.png")
    assert_png(tmp_path / "net.png")
    ax = figure.axes[0]
    lines = ax.lines
    weights = np.concatenate(
        [model.layers[0].weight.data.ravel(), model.layers[1].weight.data.ravel()]
    )
    assert len(lines) == weights.size == 2 * 3 + 3 * 2
    for line, w in zip(lines, weights, strict=True):
        red, _, blue, _ = matplotlib.colors.to_rgba(line.get_color())
        assert (blue > red) == (w > 0)
    widths = np.array([line.get_linewidth() for line in lines])
    assert np.all(np.diff(widths[np.argsort(np.abs(weights))]) >= -1e-12)


def test_plot_network_shows_an_ellipsis_for_wide_layers():
    ln.manual_seed(0)
    model = ln.Sequential([ln.layers.Dense(30, input_shape=(2,)), ln.layers.Dense(1)])
    figure = plot_network(model, max_neurons=6)
    assert len(figure.axes[0].lines) == 2 * 5 + 5 * 1
    assert any("+25 more" in t for t in texts_of(figure))


def test_plot_network_rejects_unbuilt_models_and_bad_max_neurons():
    with pytest.raises(ValueError, match="not built"):
        plot_network(ln.Sequential([ln.layers.Dense(2)]))
    with pytest.raises(ValueError, match="max_neurons"):
        plot_network(small_sequential(), max_neurons=1)


# ----------------------------------------------------------------- plot_history
def test_plot_history_puts_loss_first_with_train_and_validation_curves(tmp_path):
    logs = {
        "accuracy": [0.5, 0.7, 0.9],
        "loss": [1.0, 0.6, 0.3],
        "val_loss": [1.1, 0.7, 0.8],
        "val_accuracy": [0.4, 0.6, 0.7],
    }
    figure = plot_history(FakeHistory(logs), path=tmp_path / "history.png")
    assert_png(tmp_path / "history.png")
    loss_ax, accuracy_ax = figure.axes
    assert loss_ax.get_title() == "loss" and accuracy_ax.get_title() == "accuracy"
    assert loss_ax.get_xlabel() == "epoch"
    epochs, train = loss_ax.lines[0].get_data()
    np.testing.assert_array_equal(epochs, [1, 2, 3])
    np.testing.assert_array_equal(train, logs["loss"])
    np.testing.assert_array_equal(loss_ax.lines[1].get_ydata(), logs["val_loss"])
    legend = [t.get_text() for t in loss_ax.get_legend().get_texts()]
    assert legend == ["train", "validation", "best 0.7 (epoch 2)"]
    assert "best 0.7 (epoch 3)" in [t.get_text() for t in accuracy_ax.get_legend().get_texts()]


def test_plot_history_accepts_the_dict_and_rejects_an_empty_one():
    assert len(plot_history({"loss": [3.0, 2.0]}).axes) == 1
    with pytest.raises(
        ValueError, match=r"history has no per-epoch numbers to plot \(got keys \[\]\)"
    ):
        plot_history({})


# ----------------------------------------------------------------- plot_decision_boundary
def test_plot_decision_boundary_draws_regions_and_points(tmp_path):
    x, y = two_blobs()
    figure = plot_decision_boundary(
        FakeLinearClassifier(), x, y, path=tmp_path / "db.png", resolution=50
    )
    assert_png(tmp_path / "db.png")
    ax = figure.axes[0]
    scatters = [
        c
        for c in ax.collections
        if hasattr(c, "get_offsets") and len(c.get_offsets()) in (np.sum(y == 0), np.sum(y == 1))
    ]
    np.testing.assert_allclose(scatters[-2].get_offsets(), x[y == 0])
    np.testing.assert_allclose(scatters[-1].get_offsets(), x[y == 1])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]
    assert ax.get_xlim()[0] < x[:, 0].min() and ax.get_xlim()[1] > x[:, 0].max()


def test_plot_decision_boundary_works_with_a_lucidnet_model_and_one_hot_labels():
    x, y = two_blobs()
    figure = plot_decision_boundary(
        small_sequential(), x.astype(np.float32), np.eye(2)[y], resolution=30
    )
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]
    points = [c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)]
    np.testing.assert_allclose(points[-2], x[y == 0], rtol=1e-6)  # one-hot rows -> labels
    np.testing.assert_allclose(points[-1], x[y == 1], rtol=1e-6)


def test_predicted_classes_take_argmax_or_threshold_probabilities_and_logits():
    grid = np.array([[-2.0, 0.0], [0.5, 0.0], [3.0, 0.0]])

    class Outputs:
        def __init__(self, function):
            self.predict = function

    assert _predicted_classes(
        Outputs(lambda g: np.column_stack([-g[:, 0], g[:, 0]])), grid
    ).tolist() == [0, 1, 1]
    probability = Outputs(lambda g: np.array([[0.2], [0.6], [0.4]]))
    assert _predicted_classes(probability, grid).tolist() == [0, 1, 0]
    logits = Outputs(lambda g: g[:, :1] - 1.0)  # -3, -0.5, 2: cut at 0
    assert _predicted_classes(logits, grid).tolist() == [0, 0, 1]


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        (np.zeros((5, 3)), np.zeros(5), "shape"),
        (np.zeros((5, 2, 1)), np.zeros(5), "shape"),
        (np.zeros((5, 2)), np.zeros(4), "label"),
        (np.full((5, 2), np.nan), np.zeros(5), "NaN"),
        (np.zeros((5, 2)), np.full(5, 0.5), "labels"),
    ],
)
def test_plot_decision_boundary_rejects_bad_inputs(x, y, message):
    with pytest.raises(ValueError, match=message):
        plot_decision_boundary(FakeLinearClassifier(), x, y)


# ----------------------------------------------------------------- plot_health
def health_records(epochs: int = 6) -> list[dict]:
    return [
        {
            "dense": {
                "dead_fraction": 0.1 * e,
                "saturation_fraction": None,
                "grad_norm": 10.0**-e,
                "update_ratio": 1e-3,
            },
            "dense_1": {
                "dead_fraction": 0.0,
                "saturation_fraction": 0.5,
                "grad_norm": 1.0,
                "update_ratio": 2e-3,
            },
            "first_last_grad_ratio": 2.0 + e,
        }
        for e in range(epochs)
    ]


def test_plot_health_draws_one_panel_per_figure_and_one_line_per_layer(tmp_path):
    history = FakeHistory({"loss": [1.0] * 6})
    history.health = health_records()
    figure = plot_health(history, path=tmp_path / "health.png")
    assert_png(tmp_path / "health.png")
    axes = [ax for ax in figure.axes if ax.get_visible()]
    titles = [ax.get_title() for ax in axes]
    assert titles == [
        "dead ReLU fraction",
        "saturation fraction",
        "gradient norm",
        "update / weight ratio",
        "first / last layer gradient ratio",
    ]
    grad_axis = axes[2]
    assert grad_axis.get_yscale() == "log" and axes[0].get_yscale() == "linear"
    np.testing.assert_allclose(grad_axis.lines[0].get_ydata(), 10.0 ** -np.arange(6))
    assert np.isnan(axes[1].lines[0].get_ydata()).all()  # None -> NaN, not 0
    np.testing.assert_allclose(axes[4].lines[0].get_ydata(), 2.0 + np.arange(6))
    legend_texts = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend_texts == ["dense", "dense_1"]


def test_plot_health_rejects_an_empty_record():
    with pytest.raises(ValueError, match="HealthMonitor"):
        plot_health(FakeHistory({}))


# ----------------------------------------------------------------- animate_training
def test_animate_training_writes_a_gif_with_one_frame_per_chunk(tmp_path):
    x, y = two_blobs()
    model = FakeLinearClassifier()
    figure = animate_training(
        model,
        x,
        y,
        path=tmp_path / "train.gif",
        epochs=10,
        frames=4,
        fit_kwargs={"batch_size": 8},
        fps=4,
    )
    assert isinstance(figure, Figure)
    chunks = [call["epochs"] for call in model.fit_calls]
    assert len(chunks) == 4 and sum(chunks) == 10 and set(chunks) == {2, 3}
    assert all(call["verbose"] == 0 and call["batch_size"] == 8 for call in model.fit_calls)
    with Image.open(tmp_path / "train.gif") as gif:
        assert gif.format == "GIF" and gif.n_frames == 4
        assert gif.info["duration"] == 250 and gif.info["loop"] == 0
    loss_ax = figure.axes[1]
    np.testing.assert_allclose(loss_ax.lines[0].get_ydata(), 1 / np.arange(1, 11))
    assert "epoch 10 / 10" in figure.get_suptitle()


def test_animate_training_needs_a_compiled_model_and_sane_arguments(tmp_path):
    x, y = two_blobs()
    uncompiled = FakeLinearClassifier()
    uncompiled.optimizer = None
    with pytest.raises(ValueError, match="compile"):
        animate_training(uncompiled, x, y, path=None, epochs=2, frames=1)
    with pytest.raises(ValueError, match="frames"):
        animate_training(FakeLinearClassifier(), x, y, path=None, epochs=2, frames=3)
    with pytest.raises(ValueError, match="epochs"):
        animate_training(FakeLinearClassifier(), x, y, path=None, fit_kwargs={"epochs": 3})
    with pytest.raises(ValueError, match="shape"):
        animate_training(FakeLinearClassifier(), np.zeros((4, 3)), np.zeros(4), path=None)
    assert not (tmp_path / "training.gif").exists()
