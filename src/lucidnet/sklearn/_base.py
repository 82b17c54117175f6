"""What :class:`~lucidnet.sklearn.MLPClassifier` and :class:`~lucidnet.sklearn.MLPRegressor`
share: ``_BaseMLP``, holding scikit-learn's parameters and their checks, the ``Sequential``
of ``Dense`` layers it builds, and pickling.  Training runs in lucidnet's one training loop
(:func:`lucidnet.training.loop.run_training`: fit's input check, NaN guard and fast step);
scikit-learn's objective and stopping rule (described in :mod:`lucidnet.sklearn.estimators`)
are two callbacks of that loop.  Needs scikit-learn.
"""

from __future__ import annotations

import functools
import numbers
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .._checks import check_bool, check_int, check_real
from ..blocks import activations as activation_registry
from ..blocks import init as initializers
from ..blocks.layers.dense import Dense
from ..blocks.modes import evaluating
from ..blocks.regularizers import L2
from ..engine.dtype import get_default_dtype
from ..engine.tensor import Tensor
from ..training import optim
from ..training.callbacks import Callback
from ..training.loop import NonFiniteLossWarning, run_training
from ..training.state import training_state
from ..training.targets import prepare
from ..training.trainable import Sequential

SOLVERS = ("adam", "sgd", "adamw", "rmsprop", "adagrad")
"""Accepted ``solver`` names: scikit-learn's stochastic ones and lucidnet's optimizers."""

_SEED_BOUND = 2**31 - 1


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
            check_int(self.batch_size, "batch_size", low=1)
        check_real(self.alpha, "alpha", low=0)
        check_real(self.learning_rate_init, "learning_rate_init", low=0, closed="right")
        check_int(self.max_iter, "max_iter", low=1)
        check_real(self.tol, "tol", low=0)
        check_real(self.momentum, "momentum", low=0, high=1)
        check_real(self.validation_fraction, "validation_fraction", 0, 1, closed="neither")
        check_real(self.beta_1, "beta_1", low=0, high=1, closed="left")
        check_real(self.beta_2, "beta_2", low=0, high=1, closed="left")
        check_real(self.epsilon, "epsilon", low=0, closed="right")
        check_int(self.n_iter_no_change, "n_iter_no_change", low=1)
        for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping"):
            check_bool(getattr(self, name), name)
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
        with evaluating(self.model_):
            return self.model_(Tensor(x)).data

    def _validated_features(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return validate_data(self, X, reset=False, dtype=self.model_.dtype)

    # ------------------------------------------------------------ training
    def _fit(self, X: Any, y: Any, incremental: bool) -> _BaseMLP:
        """Train through lucidnet's one training loop: its input check, NaN guard and fast
        step; scikit-learn's L2 scaling and stopping rule are two callbacks."""
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
        state = training_state(model)
        x, targets = prepare(model, state.loss, x, targets)

        validation = None
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
            validation = (x_val, targets_val)
        batch_size = self._batch_size(x.shape[0])

        self.n_iter_ = 0
        penalty = _BatchL2Penalty(self.alpha, model)
        try:
            history = run_training(
                model,
                state,
                x,
                targets,
                epochs=1 if incremental else self.max_iter,
                batch_size=batch_size,
                shuffle_rng=rng if self.shuffle else None,
                callbacks=[penalty, _StoppingRule(self, validation, x.shape[0])],
                verbose=0,
            )
        finally:
            penalty.detach()
        if history.stop_reason == "non_finite":  # shown whatever verbose, as sklearn warns
            warnings.warn(history.stop_message, NonFiniteLossWarning, stacklevel=3)
        elif history.stop_reason == "completed" and not incremental:
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

    def _end_epoch(self, loss: float, n_samples: int, validation: Any) -> bool:
        """Record an epoch (``n_iter_``, ``loss_curve_``, ...); True when the rule says stop."""
        self.n_iter_ += 1
        self.t_ += n_samples
        self.loss_ = loss
        self.loss_curve_.append(loss)
        if self.verbose:
            print(f"Iteration {self.n_iter_}, loss = {loss:.8f}")
        self._update_no_improvement_count(*(validation or (None, None)))
        if self._no_improvement_count > self.n_iter_no_change:
            if self.verbose:
                watched = "Validation score" if self.early_stopping else "Training loss"
                print(
                    f"{watched} did not improve more than tol={self.tol:f} for "
                    f"{self.n_iter_no_change} consecutive epochs. Stopping."
                )
            return True
        return False

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


class _BatchL2Penalty(Callback):
    """scikit-learn's penalty alpha / (2 |B|) sum ||W||^2 on every kernel: an ``L2`` attached
    to the kernels for the fit, whose strength follows the size |B| of each batch."""

    def __init__(self, alpha: float, model: Any) -> None:
        self.regularizer = L2(alpha) if alpha else None
        self.alpha = alpha
        self.layers = list(model.layers) if alpha else []
        for layer in self.layers:
            layer.kernel_regularizer = self.regularizer

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.regularizer is not None:
            self.regularizer.l2 = self.alpha / logs["size"]

    def detach(self) -> None:
        for layer in self.layers:
            layer.kernel_regularizer = None


class _StoppingRule(Callback):
    """scikit-learn's bookkeeping and stopping rule at each epoch end (see ``_end_epoch``)."""

    def __init__(self, estimator: _BaseMLP, validation: Any, n_samples: int) -> None:
        self.estimator = estimator
        self.validation = validation
        self.n_samples = n_samples

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.model.history.stop_reason == "non_finite":
            return  # the NaN guard stopped this epoch: it does not count
        if self.estimator._end_epoch(logs["loss"], self.n_samples, self.validation):
            self.model.stop_training = True
