"""scikit-learn estimators on lucidnet: ``MLPClassifier`` and ``MLPRegressor``.

They follow scikit-learn's ``sklearn.neural_network`` parameter names and
defaults (plus ``kernel_initializer``), pass scikit-learn's estimator checks,
pickle, and work in ``Pipeline`` and ``GridSearchCV``.  Importing this module
needs scikit-learn.

>>> from lucidnet.sklearn import MLPClassifier, MLPRegressor
"""

from __future__ import annotations

from .estimators import SOLVERS, MLPClassifier, MLPRegressor

__all__ = ["SOLVERS", "MLPClassifier", "MLPRegressor"]
