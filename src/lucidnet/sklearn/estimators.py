r"""scikit-learn estimators backed by lucidnet: :class:`MLPClassifier` and :class:`MLPRegressor`.

They take scikit-learn's parameter names and defaults (``hidden_layer_sizes``,
``activation``, ``solver``, ``alpha``, ``batch_size``, ``learning_rate_init``,
``max_iter``, ``tol``, ``early_stopping``, ``n_iter_no_change``, ...) plus
``kernel_initializer``, and train an ``ln.Sequential`` of ``ln.layers.Dense``
layers (kept, compiled, as ``model_``) with a lucidnet optimizer.

The objective is scikit-learn's, batch by batch (``sklearn/neural_network``):

.. math::
    J_B = \text{loss}_B + \frac{\alpha}{2 |B|} \sum_l \lVert W_l \rVert_F^2

with ``loss`` the mean cross-entropy on the logits (softmax for several classes,
sigmoid for two) or, for regression, half the squared error per sample
``1/(2|B|) sum_i ||p_i - y_i||^2`` (scikit-learn's ``1/2 mean (p - y)^2`` for one
output; see :func:`squared_error` for several).  The penalty is ``ln.regularizers.L2(alpha / |B|)`` on every kernel
(biases are not penalized), so its gradient ``alpha W / |B|`` equals
scikit-learn's.  ``loss_curve_`` holds the sample-weighted mean of ``J_B`` over
each epoch, as scikit-learn reports it.

Training stops as in scikit-learn: after ``n_iter_no_change`` epochs in a row in
which the training loss did not fall by ``tol`` below its best (or, with
``early_stopping``, the validation score did not rise by ``tol`` above its
best); reaching ``max_iter`` instead gives a ``ConvergenceWarning``.

>>> from sklearn.datasets import load_iris
>>> from lucidnet.sklearn import MLPClassifier
>>> X, y = load_iris(return_X_y=True)
>>> clf = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=500,
...                     random_state=0).fit(X, y)
>>> clf.predict_proba(X[:2]).shape, [w.shape for w in clf.coefs_], clf.score(X, y) > 0.95
((2, 3), [(4, 16), (16, 3)], True)
"""

from __future__ import annotations

import functools
import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from ..engine.dtype import get_default_dtype
from ..engine.tensor import Tensor, no_grad
from ..models.sequential import Sequential
from ..nn import activations as activation_registry
from ..nn import init as initializers
from ..nn.layers.dense import Dense
from ..training import losses, optim
from ..training.regularizers import L2
from ..training.trainer import NonFiniteLossWarning

SOLVERS = ("adam", "sgd", "adamw", "rmsprop", "adagrad")
"""Accepted ``solver`` names: scikit-learn's stochastic ones and lucidnet's optimizers."""

_SEED_BOUND = 2**31 - 1


def squared_error(y_pred: Any, y_true: Any) -> Tensor:
    """Half the squared error per sample: L = 1/(2n) sum_i ||p_i - y_i||^2.

    This is the objective whose gradient ``(p - y) / n`` scikit-learn's MLPRegressor
    follows.  For one output it equals scikit-learn's reported loss ``1/2 mean (p - y)^2``
    (half of ``ln.losses.mse``); for k outputs scikit-learn reports 1/k of the data term.
    """
    prediction = y_pred if isinstance(y_pred, Tensor) else Tensor(y_pred)
    return losses.mse(prediction, y_true, reduction="sum") * (0.5 / prediction.shape[0])


# ---------------------------------------------------------------- hyperparameter checks
def _check_number(
    name: str,
    value: Any,
    low: float,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
) -> None:
    """Raise ValueError unless ``value`` is a (whole, if ``integer``) number in the interval."""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ValueError(f"{name} must be {'an int' if integer else 'a number'}, got {value!r}")
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    if not (math.isfinite(value) and above and below):
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be a finite number in {interval}, got {value!r}")


def _check_bool(name: str, value: Any) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")


def _generator(random_state: Any) -> np.random.Generator:
    """A NumPy Generator seeded from scikit-learn's ``random_state`` (None, int or RandomState)."""
    return np.random.default_rng(int(check_random_state(random_state).randint(_SEED_BOUND)))


class _BaseMLP(BaseEstimator):
    """What the classifier and the regressor share: parameters, model, training loop, pickling.

    Subclasses define ``_targets`` (validate and encode ``y``), ``_training_loss``,
    ``_validation_score``, ``_stratify`` and ``_out_activation``.
    """

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: Any = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate_init: float = 0.001,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        kernel_initializer: Any = "auto",
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.kernel_initializer = kernel_initializer

    # ------------------------------------------------------------ fitted attributes
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Kernels of the layers, ``coefs_[i]`` of shape (units of layer i, units of layer i+1)."""
        check_is_fitted(self)
        return [layer.weight.data for layer in self.model_.layers]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Biases of the layers, ``intercepts_[i]`` of shape (units of layer i+1,)."""
        check_is_fitted(self)
        return [layer.bias.data for layer in self.model_.layers]

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "model_")

    # ------------------------------------------------------------ checks
    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, numbers.Integral) else sizes
        try:
            sizes = list(sizes)
        except TypeError:
            sizes = None
        if sizes is None or not all(
            isinstance(n, numbers.Integral) and not isinstance(n, bool) and n > 0 for n in sizes
        ):
            raise ValueError(
                f"hidden_layer_sizes must be a positive int or a sequence of "
                f"positive ints, e.g. (100,) or (64, 32); got "
                f"{self.hidden_layer_sizes!r}"
            )
        return [int(n) for n in sizes]

    def _check_hyperparameters(self) -> None:
        self._hidden_sizes()
        activation_registry.get(self.activation)
        if self.kernel_initializer != "auto":
            initializers.get(self.kernel_initializer)
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {', '.join(SOLVERS)}; got {self.solver!r}")
        if self.batch_size != "auto":
            _check_number("batch_size", self.batch_size, 1, integer=True)
        _check_number("alpha", self.alpha, 0)
        _check_number("learning_rate_init", self.learning_rate_init, 0, low_open=True)
        _check_number("max_iter", self.max_iter, 1, integer=True)
        _check_number("tol", self.tol, 0)
        _check_number("momentum", self.momentum, 0, 1)
        _check_number(
            "validation_fraction", self.validation_fraction, 0, 1, low_open=True, high_open=True
        )
        _check_number("beta_1", self.beta_1, 0, 1, high_open=True)
        _check_number("beta_2", self.beta_2, 0, 1, high_open=True)
        _check_number("epsilon", self.epsilon, 0, low_open=True)
        _check_number("n_iter_no_change", self.n_iter_no_change, 1, integer=True)
        for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping"):
            _check_bool(name, getattr(self, name))
        if not isinstance(self.verbose, numbers.Integral):
            raise ValueError(f"verbose must be True, False or an int, got {self.verbose!r}")

    def _input_dtypes(self, first_pass: bool) -> Any:
        """Float dtypes X may keep; anything else becomes the first (the model's or the default)."""
        if not first_pass:
            return self.model_.dtype
        default = get_default_dtype()
        return [default] + [d for d in (np.float32, np.float64) if d != default]

    # ------------------------------------------------------------ the model
    def _optimizer(self) -> optim.Optimizer:
        lr, eps, betas = self.learning_rate_init, self.epsilon, (self.beta_1, self.beta_2)
        if self.solver == "sgd":
            return optim.SGD(
                lr=lr,
                momentum=self.momentum,
                nesterov=bool(self.nesterovs_momentum and self.momentum > 0),
            )
        if self.solver == "adam":
            return optim.Adam(lr=lr, betas=betas, eps=eps)
        if self.solver == "adamw":
            return optim.AdamW(lr=lr, betas=betas, eps=eps)
        if self.solver == "rmsprop":
            return optim.RMSprop(lr=lr, eps=eps)
        return optim.Adagrad(lr=lr, eps=eps)

    def _kernel_initializer(self, activation: Any, rng: np.random.Generator) -> Callable:
        """The layer's initializer drawing from ``rng`` (not from lucidnet's global generator)."""
        name = self.kernel_initializer
        if name == "auto":
            name = initializers.auto_initializer(activation)
        return functools.partial(initializers.get(name), rng=rng)

    def _build_model(
        self, n_features: int, n_outputs: int, dtype: np.dtype, rng: np.random.Generator
    ) -> Sequential:
        hidden = activation_registry.get(self.activation)
        layers = [
            Dense(
                units,
                activation=hidden,
                name=f"hidden_{index + 1}",
                dtype=dtype,
                kernel_initializer=self._kernel_initializer(hidden, rng),
            )
            for index, units in enumerate(self._hidden_sizes())
        ]
        layers.append(
            Dense(
                n_outputs,
                name="output",
                dtype=dtype,
                kernel_initializer=self._kernel_initializer(None, rng),
            )
        )
        model = Sequential(layers, name=type(self).__name__)
        model.build((None, n_features))
        return model

    def _initialize(
        self, n_features: int, n_outputs: int, dtype: np.dtype, rng: np.random.Generator
    ) -> None:
        """Fresh model and bookkeeping (first fit, or a fit without warm_start)."""
        self.model_ = self._build_model(n_features, n_outputs, dtype, rng)
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(self._hidden_sizes()) + 2
        self.out_activation_ = self._out_activation()
        self.n_iter_ = 0
        self.t_ = 0
        self._no_improvement_count = 0
        self.loss_curve_: list[float] = []
        self.validation_scores_: list[float] | None = None
        self.best_validation_score_: float | None = None
        self.best_loss_: float | None = None

    def _start_stopping_records(self) -> None:
        """Records for the stopping rule; kept across warm starts unless the rule changed."""
        if self.early_stopping and self.validation_scores_ is None:
            self.validation_scores_, self.best_validation_score_ = [], -np.inf
            self.best_loss_ = None
            self._best_state = self.model_.state_dict()
        elif not self.early_stopping and self.best_loss_ is None:
            self.validation_scores_ = self.best_validation_score_ = None
            self.best_loss_ = np.inf

    def _outputs(self, x: np.ndarray) -> np.ndarray:
        with no_grad():
            return self.model_(Tensor(x)).data

    def _validated_features(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return validate_data(self, X, reset=False, dtype=self.model_.dtype)

    # ------------------------------------------------------------ training
    def _fit(self, X: Any, y: Any, incremental: bool) -> _BaseMLP:
        self._check_hyperparameters()
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first_pass = not hasattr(self, "model_") or (not self.warm_start and not incremental)
        x, targets, n_outputs = self._targets(X, y, first_pass, incremental)
        rng = _generator(self.random_state)
        if first_pass:
            self._initialize(x.shape[1], n_outputs, x.dtype, rng)
        elif n_outputs != self.n_outputs_:
            raise ValueError(
                f"y has {n_outputs} outputs but the fitted model has "
                f"{self.n_outputs_}; fit afresh (warm_start=False)"
            )
        self._start_stopping_records()
        model = self.model_
        optimizer = getattr(model, "optimizer", None)
        if not incremental or optimizer is None or not optimizer.is_bound:
            # scikit-learn starts a new optimizer on every fit; partial_fit keeps its state.
            model.compile(optimizer=self._optimizer(), loss=self._training_loss(), lint=False)
            model.optimizer.bind(model.trainable_parameters())

        x_val = targets_val = None
        if self.early_stopping:
            x, x_val, targets, targets_val = train_test_split(
                x,
                targets,
                test_size=self.validation_fraction,
                random_state=int(rng.integers(_SEED_BOUND)),
                stratify=self._stratify(targets),
            )
            if x_val.shape[0] < 2:
                raise ValueError(
                    "The validation set is too small (fewer than 2 samples); "
                    "increase validation_fraction or the size of the data set"
                )
        batch_size = self._batch_size(x.shape[0])

        self.n_iter_ = 0
        for _ in range(self.max_iter):
            snapshot = [p.data.copy() for p in model.parameters()]
            epoch_loss = self._train_epoch(x, targets, batch_size, rng)
            if epoch_loss is None:
                self._stop_on_non_finite(snapshot)
                break
            self.n_iter_ += 1
            self.t_ += x.shape[0]
            self.loss_ = epoch_loss
            self.loss_curve_.append(epoch_loss)
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {epoch_loss:.8f}")
            self._update_no_improvement_count(x_val, targets_val)
            if self._no_improvement_count > self.n_iter_no_change:
                if self.verbose:
                    watched = "Validation score" if self.early_stopping else "Training loss"
                    print(
                        f"{watched} did not improve more than tol={self.tol:f} for "
                        f"{self.n_iter_no_change} consecutive epochs. Stopping."
                    )
                break
            if incremental:
                break
        else:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                "and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=3,
            )
        if self.early_stopping:
            model.load_state_dict(self._best_state)
        return self

    def _batch_size(self, n_samples: int) -> int:
        """``"auto"`` is min(200, n_samples); a larger int is clipped with a warning."""
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                f"Got batch_size={self.batch_size} larger than the {n_samples} "
                "samples; it is clipped to the number of samples",
                stacklevel=4,
            )
        return int(min(self.batch_size, n_samples))

    def _train_epoch(
        self, x: np.ndarray, targets: np.ndarray, batch_size: int, rng: np.random.Generator
    ) -> float | None:
        """One pass over the data; the mean batch objective J_B, or None if it became non-finite."""
        model, loss_function = self.model_, self._training_loss()
        optimizer = model.optimizer
        kernels = [layer.weight for layer in model.layers]
        n_samples = x.shape[0]
        order = rng.permutation(n_samples) if self.shuffle else None
        total = 0.0
        for start in range(0, n_samples, batch_size):
            index = (
                slice(start, start + batch_size)
                if order is None
                else order[start : start + batch_size]
            )
            batch_x, batch_y = x[index], targets[index]
            loss = loss_function(model(Tensor(batch_x)), batch_y)
            if self.alpha:
                penalty = L2(self.alpha / batch_x.shape[0])
                for kernel in kernels:
                    loss = loss + penalty(kernel)
            value = float(loss.data)
            if not math.isfinite(value):
                return None
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += value * batch_x.shape[0]
        return total / n_samples

    def _stop_on_non_finite(self, snapshot: list[np.ndarray]) -> None:
        for parameter, saved in zip(self.model_.parameters(), snapshot, strict=True):
            parameter.data[...] = saved
        warnings.warn(
            f"the training loss became NaN or infinite in epoch {self.n_iter_ + 1}; "
            "training stopped and the weights of the previous epoch were restored. "
            "Lower learning_rate_init or scale the inputs (StandardScaler).",
            NonFiniteLossWarning,
            stacklevel=4,
        )

    def _update_no_improvement_count(
        self, x_val: np.ndarray | None, targets_val: np.ndarray | None
    ) -> None:
        """scikit-learn's stopping rule, on the validation score or on the training loss."""
        if self.early_stopping:
            score = self._validation_score(x_val, targets_val)
            self.validation_scores_.append(score)
            if self.verbose:
                print(f"Validation score: {score:f}")
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_state = self.model_.state_dict()
        else:
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            self.best_loss_ = min(self.best_loss_, self.loss_curve_[-1])

    # ------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        # The optimizer keys its state by id(parameter), which a copy does not keep:
        # carry it by parameter position and re-key it on loading.
        state = dict(super().__getstate__())
        optimizer = getattr(state.get("model_"), "optimizer", None)
        if optimizer is not None and optimizer.is_bound:
            state["_optimizer_state"] = optimizer.state_dict()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        optimizer_state = state.pop("_optimizer_state", None)
        super().__setstate__(state)
        if optimizer_state is not None:
            self.model_.optimizer.load_state_dict(optimizer_state)

    # ------------------------------------------------------------ hooks
    def _targets(
        self, X: Any, y: Any, first_pass: bool, incremental: bool
    ) -> tuple[np.ndarray, np.ndarray, int]:
        raise NotImplementedError

    def _training_loss(self) -> Callable[[Any, Any], Tensor]:
        raise NotImplementedError

    def _validation_score(self, x: np.ndarray, targets: np.ndarray) -> float:
        raise NotImplementedError

    def _stratify(self, targets: np.ndarray) -> np.ndarray | None:
        return None

    def _out_activation(self) -> str:
        raise NotImplementedError


_PARAMETERS_DOC = """
    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Units of each hidden ``Dense`` layer.
    activation : str or Activation, default="relu"
        Hidden activation: scikit-learn's "identity", "logistic", "tanh", "relu", or any
        name of ``ln.activations.available()`` (e.g. "leaky_relu", "gelu", "selu").
    solver : {"adam", "sgd", "adamw", "rmsprop", "adagrad"}, default="adam"
        The lucidnet optimizer (PyTorch's update equations). "sgd" uses ``momentum``
        and ``nesterovs_momentum``; "adam"/"adamw" use ``beta_1``, ``beta_2``,
        ``epsilon``; "adamw" also decays weights by its default 0.01.
    alpha : float, default=0.0001
        L2 strength: ``L2(alpha / batch size)`` on every kernel, scikit-learn's penalty.
    batch_size : int or "auto", default="auto"
        Samples per step; "auto" is min(200, n_samples).
    learning_rate_init : float, default=0.001
        The optimizer's (constant) learning rate.
    max_iter : int, default=200
        Most epochs per ``fit``.
    shuffle : bool, default=True
        Shuffle the samples before each epoch.
    random_state : None, int or RandomState, default=None
        Seeds the weights, the shuffles and the validation split (through a NumPy
        Generator; lucidnet's global generator is not touched).
    tol : float, default=1e-4
        Least improvement of the loss (or validation score) that counts.
    verbose : bool, default=False
        Print the loss after each epoch.
    warm_start : bool, default=False
        Continue from the fitted weights on the next ``fit``.
    momentum : float, default=0.9
        SGD momentum in [0, 1].
    nesterovs_momentum : bool, default=True
        Nesterov momentum for SGD (when momentum > 0).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified for classifiers), stop
        when its score stalls and keep the weights of the best score.
    validation_fraction : float, default=0.1
        Share of the data held out for early stopping, in (0, 1).
    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's moment decay rates, in [0, 1).
    epsilon : float, default=1e-8
        Denominator term of Adam, AdamW, RMSprop and Adagrad.
    n_iter_no_change : int, default=10
        Epochs without improvement by ``tol`` before stopping.
    kernel_initializer : str or callable, default="auto"
        Initializer of the kernels (biases start at zero); "auto" is lucidnet's rule:
        ``he_uniform`` for the ReLU family, ``lecun_normal`` for selu, ``glorot_uniform``
        otherwise (and for the output layer).

    Attributes
    ----------
    model_ : ln.Sequential
        The trained, compiled lucidnet model (outputs logits or regression values).
    coefs_, intercepts_ : list of ndarray
        Kernels (in, out) and biases of each layer, scikit-learn's layout (live views).
    n_features_in_, feature_names_in_ : int, ndarray
        Set by scikit-learn's validation (names when X is a DataFrame with string columns).
    n_iter_ : int
        Epochs run by the last ``fit`` (1 for ``partial_fit``).
    loss_, loss_curve_ : float, list of float
        Last and per-epoch training objective (with the L2 penalty).
    best_loss_ : float or None
        Lowest training loss (None with early stopping).
    validation_scores_, best_validation_score_ : list of float, float
        Per-epoch and best validation score with early stopping (else None).
    t_ : int
        Training samples seen.
    n_layers_, n_outputs_, out_activation_ : int, int, str
        Number of layers counting input and output, output width, and the function that
        turns the outputs into predictions.
"""


class MLPClassifier(ClassifierMixin, _BaseMLP):
    (
        """Multi-layer perceptron classifier on lucidnet, with scikit-learn's interface.

    The network outputs logits: one for two classes (``binary_crossentropy`` with
    ``from_logits=True``, out_activation_ "logistic") and one per class otherwise
    (``softmax_cross_entropy``, out_activation_ "softmax").  Labels can be any
    sortable values (ints, strings); ``classes_`` holds them in sorted order.
    Multilabel (indicator-matrix) targets are not supported and raise ValueError.
    """
        + _PARAMETERS_DOC
        + """
    classes_ : ndarray
        The class labels.

    Notes
    -----
    X keeps its dtype when it is float32 or float64 (the model is built in it);
    other inputs become lucidnet's default dtype (float32).  All scikit-learn
    estimator checks pass (``sklearn.utils.estimator_checks.check_estimator``).
    """
    )

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Train on ``(X, y)`` for at most ``max_iter`` epochs; returns self."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> MLPClassifier:
        """One epoch over ``(X, y)``; ``classes`` (all labels) is needed on the first call."""
        self._set_partial_fit_classes(classes)
        return self._fit(X, y, incremental=True)

    def _set_partial_fit_classes(self, classes: Any) -> None:
        """``classes_`` from ``classes=`` on the first call; later calls may repeat them."""
        known = getattr(self, "classes_", None)
        if classes is None:
            if known is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit: all labels "
                    "of the data set, e.g. classes=np.unique(y_all)"
                )
            return
        labels = unique_labels(classes)
        if known is not None and not np.array_equal(known, labels):
            raise ValueError(f"classes={labels} differs from classes_={known} of earlier calls")
        if len(labels) < 2:
            raise ValueError(
                f"MLPClassifier needs at least 2 classes; classes= gives 1 class: {labels}"
            )
        self.classes_ = labels

    def _targets(
        self, X: Any, y: Any, first_pass: bool, incremental: bool
    ) -> tuple[np.ndarray, np.ndarray, int]:
        x, y = validate_data(self, X, y, reset=first_pass, dtype=self._input_dtypes(first_pass))
        check_classification_targets(y)
        target_type = type_of_target(y, input_name="y")
        if target_type not in ("binary", "multiclass"):
            raise ValueError(
                f"MLPClassifier supports binary and multi-class targets, got "
                f"{target_type} y (multilabel is not supported)"
            )
        if first_pass and not incremental:
            classes, labels = np.unique(y, return_inverse=True)
            if len(classes) < 2:
                raise ValueError(
                    f"MLPClassifier needs samples of at least 2 classes in y; "
                    f"got 1 class: {classes}"
                )
            self.classes_ = classes
        else:
            present = unique_labels(y)
            if self.warm_start and not incremental and set(present) != set(self.classes_):
                raise ValueError(
                    f"warm_start needs y with the classes of the previous fit: "
                    f"{self.classes_}; y has {present}"
                )
            unknown = np.setdiff1d(present, self.classes_)
            if unknown.size:
                raise ValueError(
                    f"y has classes {unknown} that are not in classes_ {self.classes_}"
                )
            labels = np.searchsorted(self.classes_, y)
        n_classes = len(self.classes_)
        if n_classes == 2:
            return x, labels.reshape(-1, 1).astype(x.dtype), 1
        return x, labels.astype(np.intp, copy=False), n_classes

    def _training_loss(self) -> Callable[[Any, Any], Tensor]:
        if len(self.classes_) == 2:
            return losses.get("binary_crossentropy", from_logits=True)
        return losses.get("softmax_cross_entropy")

    def _out_activation(self) -> str:
        return "logistic" if len(self.classes_) == 2 else "softmax"

    def _stratify(self, targets: np.ndarray) -> np.ndarray:
        return targets.ravel()

    def _class_scores(self, x: np.ndarray) -> np.ndarray:
        """Logits with one column per class: [0, z] for two classes, so softmax gives the sigmoid."""
        logits = self._outputs(x)
        if logits.shape[1] == 1:
            return np.concatenate([np.zeros_like(logits), logits], axis=1)
        return logits

    def _validation_score(self, x: np.ndarray, targets: np.ndarray) -> float:
        return float(np.mean(self._class_scores(x).argmax(axis=1) == targets.ravel()))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class label of each row of X."""
        scores = self._class_scores(self._validated_features(X))
        return self.classes_[scores.argmax(axis=1)]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order."""
        scores = self._class_scores(self._validated_features(X))
        return activation_registry.get("softmax").forward(scores)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Log of ``predict_proba``, computed stably with log-softmax."""
        scores = self._class_scores(self._validated_features(X))
        return activation_registry.get("log_softmax").forward(scores)


class MLPRegressor(RegressorMixin, _BaseMLP):
    (
        """Multi-layer perceptron regressor on lucidnet, with scikit-learn's interface.

    The output layer is linear (out_activation_ "identity") with one unit per
    target column; the loss is :func:`squared_error`, scikit-learn's ``1/2 mean (p - y)^2``
    for one output.  ``y`` of
    shape (n,) gives predictions of shape (n,); (n, k) gives (n, k).
    """
        + _PARAMETERS_DOC
        + """
    Notes
    -----
    X keeps its dtype when it is float32 or float64 (the model is built in it);
    other inputs become lucidnet's default dtype (float32).  All scikit-learn
    estimator checks pass (``sklearn.utils.estimator_checks.check_estimator``).
    """
    )

    def fit(self, X: Any, y: Any) -> MLPRegressor:
        """Train on ``(X, y)`` for at most ``max_iter`` epochs; returns self."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X: Any, y: Any) -> MLPRegressor:
        """One epoch over ``(X, y)``."""
        return self._fit(X, y, incremental=True)

    def _targets(
        self, X: Any, y: Any, first_pass: bool, incremental: bool
    ) -> tuple[np.ndarray, np.ndarray, int]:
        x, y = validate_data(
            self,
            X,
            y,
            reset=first_pass,
            dtype=self._input_dtypes(first_pass),
            multi_output=True,
            y_numeric=True,
        )
        targets = np.asarray(y, dtype=x.dtype).reshape(x.shape[0], -1)
        return x, targets, targets.shape[1]

    def _training_loss(self) -> Callable[[Any, Any], Tensor]:
        return squared_error

    def _out_activation(self) -> str:
        return "identity"

    def _validation_score(self, x: np.ndarray, targets: np.ndarray) -> float:
        return float(r2_score(targets, self._outputs(x)))

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets: shape (n_samples,) for one output, else (n_samples, n_outputs)."""
        outputs = self._outputs(self._validated_features(X))
        return outputs.ravel() if outputs.shape[1] == 1 else outputs

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


__all__ = ["SOLVERS", "MLPClassifier", "MLPRegressor", "squared_error"]
