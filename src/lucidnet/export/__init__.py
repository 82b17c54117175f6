"""Exporting models to other formats: :func:`to_onnx` (ONNX, run by onnxruntime and others).

The ``onnx`` package is imported on the first call, never by ``import lucidnet``.
"""

from .onnx import OPSET, to_onnx

__all__ = ["OPSET", "to_onnx"]
