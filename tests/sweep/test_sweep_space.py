"""The search space (grid, random search, canonical keys) and the trial seeds."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from sklearn.model_selection import ParameterGrid, ParameterSampler

from lucidnet.sweep.seeds import trial_seed
from lucidnet.sweep.space import candidates, canonical


def test_canonical_key_sorts_names_and_reads_tuples_and_numpy_scalars_as_json():
    assert canonical({"lr": np.float64(0.5), "hidden": (16, 8)}) == '{"hidden":[16,8],"lr":0.5}'
    assert canonical({"hidden": [16]}) == canonical({"hidden": (16,)})
    assert canonical({"activation": np.tanh}) == '{"activation":"numpy.tanh"}'


def test_canonical_key_refuses_a_value_without_a_stable_name():
    with pytest.raises(TypeError, match="parameter 'optimizer'"):
        canonical({"optimizer": object()})


def test_grid_search_tries_every_combination_in_parameter_grid_order():
    grid = [{"hidden": [[4], [8]], "lr": [0.1, 0.01]}, {"hidden": [[16]], "activation": ["tanh"]}]
    assert candidates(grid, "grid", 10, 0) == list(ParameterGrid(grid))


def test_random_search_samples_n_iter_distinct_sets_as_parameter_sampler():
    grid = {"hidden": [2, 4, 8, 16, 32], "lr": [0.1, 0.01, 0.001]}
    found = candidates(grid, "random", 6, random_state=3)
    assert found == list(ParameterSampler(grid, n_iter=6, random_state=3))
    assert len({canonical(params) for params in found}) == 6


def test_duplicate_parameter_sets_are_tried_once():
    found = candidates([{"hidden": [[4]]}, {"hidden": [(4,)]}], "grid", 10, 0)
    assert found == [{"hidden": [4]}]


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ("hidden", "grid must be a dict"),
        ([], "grid must be a dict"),
        ([5], "each entry must be a dict"),
        ({"hidden": 4}, "grid: Parameter grid for parameter 'hidden'"),
    ],
)
def test_bad_grids_are_refused_with_the_reason(grid, message):
    with pytest.raises((TypeError, ValueError), match=message):
        candidates(grid, "grid", 10, 0)


def test_unknown_search_is_refused():
    with pytest.raises(ValueError, match="search must be one of 'grid', 'random', got 'bayes'"):
        candidates({"hidden": [4]}, "bayes", 10, 0)


def test_trial_seed_is_the_documented_hash():
    digest = hashlib.sha256(b'7|{"hidden":[16]}|2').digest()
    assert trial_seed(7, '{"hidden":[16]}', 2) == int.from_bytes(digest[:4], "big") % 2**31


def test_trial_seeds_differ_by_fold_params_and_random_state():
    seeds = {
        trial_seed(state, key, fold)
        for state in (0, 1)
        for key in ('{"hidden":[4]}', '{"hidden":[8]}')
        for fold in (0, 1, "all")
    }
    assert len(seeds) == 12
