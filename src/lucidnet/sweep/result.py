"""``SweepResult``: what a sweep found, as scikit-learn's ``cv_results_`` table and a picture.

With s_k the test score of fold k (K folds) of a parameter set:
mean_test_score = (1/K) sum_k s_k, std_test_score = sqrt((1/K) sum_k (s_k - mean)^2),
rank_test_score = 1 + the number of parameter sets with a larger mean (ties share the smaller
rank; a set with a NaN fold has a NaN mean and ranks last), as scikit-learn computes them.
"""

from __future__ import annotations

import math
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .space import canonical
from .trial import is_estimator

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


class SweepResult:
    """The outcome of :func:`lucidnet.sweep`.

    Attributes: ``table`` (one row per parameter set, ``cv_results_`` columns), ``trials`` (one
    row per (parameter set, fold) with seed, score, fit time and error), ``best_params``,
    ``best_score``, ``best_index`` (row of ``table``), ``best_model`` (refit on all the data,
    or None), ``scoring`` (its name).
    """

    def __init__(
        self,
        candidates: list[dict[str, Any]],
        records: dict[tuple[str, int], dict[str, Any]],
        n_splits: int,
        scoring: str,
        best_model: Any = None,
    ) -> None:
        self.candidates = candidates
        self.n_splits = n_splits
        self.scoring = scoring
        self.best_model = best_model
        keys = [canonical(params) for params in candidates]
        shape = (len(candidates), n_splits)
        self._records = [[records.get((key, fold)) for fold in range(n_splits)] for key in keys]
        self.scores = np.full(shape, np.nan)
        self.fit_times = np.full(shape, np.nan)
        for row, line in enumerate(self._records):
            for fold, record in enumerate(line):
                if record is not None:
                    self.scores[row, fold] = record["score"]
                    self.fit_times[row, fold] = record["fit_time"]
        self.mean_scores = self.scores.mean(axis=1)
        self.std_scores = self.scores.std(axis=1)
        self.ranks = _ranks(self.mean_scores)
        found = ~np.isnan(self.mean_scores)
        self.best_index: int | None = int(np.argmin(self.ranks)) if found.any() else None

    @property
    def best_params(self) -> dict[str, Any] | None:
        """The parameter set with the best mean test score (None when every one failed)."""
        return None if self.best_index is None else dict(self.candidates[self.best_index])

    @property
    def best_score(self) -> float:
        """Its mean test score (NaN when every parameter set failed)."""
        return math.nan if self.best_index is None else float(self.mean_scores[self.best_index])

    @property
    def errors(self) -> list[dict[str, Any]]:
        """The failed trials: their params, fold, error message and (where the trial raised)
        the last frames of its traceback."""
        return [
            {
                "params": self.candidates[row],
                "fold": fold,
                "error": record["error"],
                "traceback": record.get("traceback"),
            }
            for row, line in enumerate(self._records)
            for fold, record in enumerate(line)
            if record is not None and record.get("error")
        ]

    @property
    def table(self) -> pd.DataFrame:
        """scikit-learn's ``cv_results_`` as a DataFrame, one row per parameter set."""
        import pandas as pd

        names = sorted({name for params in self.candidates for name in params})
        columns: dict[str, Any] = {"params": list(self.candidates)}
        for name in names:
            columns[f"param_{name}"] = [params.get(name) for params in self.candidates]
        for fold in range(self.n_splits):
            columns[f"split{fold}_test_score"] = self.scores[:, fold]
        columns["mean_test_score"] = self.mean_scores
        columns["std_test_score"] = self.std_scores
        columns["rank_test_score"] = self.ranks
        columns["mean_fit_time"] = self.fit_times.mean(axis=1)
        return pd.DataFrame(columns)

    @property
    def trials(self) -> pd.DataFrame:
        """One row per (parameter set, fold): params, fold, seed, score, fit_time, error and the
        warnings it raised."""
        import pandas as pd

        rows = [
            {
                "params": self.candidates[row],
                "fold": fold,
                "seed": record["seed"],
                "score": record["score"],
                "fit_time": record["fit_time"],
                "error": record.get("error"),
                "warnings": record.get("warnings", []),
            }
            for row, line in enumerate(self._records)
            for fold, record in enumerate(line)
            if record is not None
        ]
        return pd.DataFrame(
            rows, columns=["params", "fold", "seed", "score", "fit_time", "error", "warnings"]
        )

    def varying(self) -> list[str]:
        """Names of the parameters that take more than one value."""
        names = sorted({name for params in self.candidates for name in params})
        return [
            name
            for name in names
            if len({canonical({"v": params.get(name)}) for params in self.candidates}) > 1
        ]

    def plot(self, param: str | None = None, path: str | Path | None = None) -> Figure:
        """Mean test score against ``param`` (one line per setting of the other parameters),
        each fold's score as a dot and the mean ± std as a band; saved to ``path`` if given.
        ``param`` may be omitted when only one parameter varies."""
        from .plot import plot_scores

        return plot_scores(self, self._plotted(param), path)

    def _plotted(self, param: str | None) -> str:
        varying = self.varying()
        names = sorted({name for params in self.candidates for name in params})
        if param is None:
            if len(varying) != 1:
                raise ValueError(
                    f"plot(param) needs the parameter to draw: one of {', '.join(names)}"
                )
            return varying[0]
        if param not in names:
            raise ValueError(f"param={param!r} is not in the sweep; its parameters: {names}")
        return param

    def save(self, directory: str | Path) -> dict[str, Path]:
        """Write ``table.csv``, ``sweep_{param}.png`` for each varying parameter, and the best
        model: ``best_model.safetensors`` (``model.save``) for a lucidnet model, or
        ``best_model.pkl`` (pickle; load it only from a source you trust) for a scikit-learn
        estimator. Returns the paths by role."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        written = {"table": folder / "table.csv"}
        self.table.to_csv(written["table"], index=False)
        for name in self.varying():
            written[f"plot_{name}"] = folder / f"sweep_{name}.png"
            self.plot(name, path=written[f"plot_{name}"])
        if self.best_model is not None:
            if is_estimator(self.best_model):
                written["best_model"] = folder / "best_model.pkl"
                written["best_model"].write_bytes(pickle.dumps(self.best_model))
            else:
                written["best_model"] = folder / "best_model.safetensors"
                self.best_model.save(written["best_model"])
        return written

    def __repr__(self) -> str:
        return (
            f"SweepResult({len(self.candidates)} parameter sets x {self.n_splits} folds, "
            f"best {self.scoring} {self.best_score:.4g} with {self.best_params})"
        )


def _ranks(means: np.ndarray) -> np.ndarray:
    """scikit-learn's rank_test_score: 1 for the largest mean, ties share the smaller rank."""
    filled = np.where(np.isnan(means), -np.inf, means)  # NaN ranks last
    return np.array([1 + int(np.sum(filled > value)) for value in filled], dtype=np.int32)
