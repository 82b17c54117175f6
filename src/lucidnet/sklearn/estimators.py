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

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import validate_data

from ..blocks import activations as activation_registry
from ..engine.tensor import Tensor
from ..training import losses
from ._base import SOLVERS, _BaseMLP


def squared_error(y_pred: Any, y_true: Any) -> Tensor:
    """Half the squared error per sample: L = 1/(2n) sum_i ||p_i - y_i||^2.

    This is the objective whose gradient ``(p - y) / n`` scikit-learn's MLPRegressor
    follows.  For one output it equals scikit-learn's reported loss ``1/2 mean (p - y)^2``
    (half of ``ln.losses.mse``); for k outputs scikit-learn reports 1/k of the data term.
    """
    prediction = y_pred if isinstance(y_pred, Tensor) else Tensor(y_pred)
    return losses.mse(prediction, y_true, reduction="sum") * (0.5 / prediction.shape[0])


class _SquaredErrorObjective:
    """:func:`squared_error` with its closed form, so that fit's static plan computes the
    regressor's steps: value 1/(2n) sum ||p - y||^2 and gradient (p - y) / n."""

    name = "squared_error"
    reduction = "mean"

    def __call__(self, y_pred: Any, y_true: Any) -> Tensor:
        return squared_error(y_pred, y_true)

    def value_and_grad(
        self,
        y_pred: np.ndarray,
        y_true: np.ndarray,
        reduction: str | None = None,
        *,
        scale: float = 1.0,
        out: np.ndarray | None = None,
        class_axis: int = -1,
    ) -> tuple[float, np.ndarray]:
        """The objective and ``scale`` times its gradient; samples run along the axis that
        is not ``class_axis`` (the plan hands over (outputs, batch) arrays)."""
        if y_true.shape != y_pred.shape:
            raise ValueError(
                f"squared_error: y_pred has shape {y_pred.shape} but y_true has shape "
                f"{y_true.shape}; they must be equal"
            )
        n_samples = y_pred.shape[1] if class_axis % 2 == 0 else y_pred.shape[0]
        error = np.subtract(y_pred, y_true, out=out)
        value = 0.5 * float(np.vdot(error, error)) / n_samples
        error *= scale / n_samples
        return value, error


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

_NOTES_DOC = """
    Notes
    -----
    X keeps its dtype when it is float32 or float64 (the model is built in it);
    other inputs become lucidnet's default dtype (float32).  All scikit-learn
    estimator checks pass (``sklearn.utils.estimator_checks.check_estimator``).
    """


class MLPClassifier(ClassifierMixin, _BaseMLP):
    # Built from shared pieces, so not a literal docstring: assigned to __doc__ explicitly.
    __doc__ = (
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
"""
        + _NOTES_DOC
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
        check_classification_targets(y)  # multilabel y is already refused: validate_data wants 1-D
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
    __doc__ = (
        """Multi-layer perceptron regressor on lucidnet, with scikit-learn's interface.

    The output layer is linear (out_activation_ "identity") with one unit per
    target column; the loss is :func:`squared_error`, scikit-learn's ``1/2 mean (p - y)^2``
    for one output.  ``y`` of
    shape (n,) gives predictions of shape (n,); (n, k) gives (n, k).
    """
        + _PARAMETERS_DOC
        + _NOTES_DOC
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
        # cast to the model's dtype by fit's input check (which reports an overflow)
        targets = np.asarray(y, dtype=np.float64).reshape(x.shape[0], -1)
        return x, targets, targets.shape[1]

    def _training_loss(self) -> Callable[[Any, Any], Tensor]:
        return _SquaredErrorObjective()

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
