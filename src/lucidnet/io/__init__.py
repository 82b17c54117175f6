"""Saving and loading: whole models and weights as safetensors files, never pickle.

- :func:`save_model` / :func:`load_model`: architecture (JSON metadata) and weights
  of a Sequential or functional model in one file.
- :func:`save_weights` / :func:`load_weights`: the ``state_dict`` of any Module.

See :mod:`.saving` for the file layout and :mod:`.architecture` for the JSON form.
"""

from .architecture import LAYER_CLASSES, NotSerializableError, model_from_config, model_to_config
from .saving import load_model, load_weights, save_model, save_weights

__all__ = [
    "LAYER_CLASSES",
    "NotSerializableError",
    "load_model",
    "load_weights",
    "model_from_config",
    "model_to_config",
    "save_model",
    "save_weights",
]
