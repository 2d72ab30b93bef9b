"""A LightGBM model scored through LightGBM's own C library, without its Python package.

Why: `import lightgbm` imports pandas and scikit-learn whenever they are installed (a few hundred MB
resident for a model of a few MB). The services only need two calls of the library the wheel ships,
raw scores and TreeSHAP contributions (`predict_type` 1 and 3, the very code the Python package calls),
so they load lib_lightgbm directly. The model travels as LightGBM's text format, which the registry
keeps beside every tree model (see credit_model.serving_artifact).
"""

from __future__ import annotations

import ctypes
import importlib.util
from functools import cache
from pathlib import Path

import numpy as np

_FLOAT64 = 1  # C_API_DTYPE_FLOAT64
_RAW_SCORE, _CONTRIB = 1, 3  # C_API_PREDICT_RAW_SCORE, C_API_PREDICT_CONTRIB


class NativeModelError(RuntimeError):
    """The LightGBM library refused a call; the message is the library's own."""


@cache
def _library() -> ctypes.CDLL:
    """lib_lightgbm of the installed wheel, found without importing the `lightgbm` package."""
    spec = importlib.util.find_spec("lightgbm")
    if spec is None or not spec.submodule_search_locations:
        raise NativeModelError("the lightgbm wheel is not installed")
    folder = Path(next(iter(spec.submodule_search_locations)))
    path = next(
        (p for p in (folder / "lib" / "lib_lightgbm.so", folder / "lib_lightgbm.so") if p.exists()), None
    )
    if path is None:
        raise NativeModelError(f"no lib_lightgbm.so in {folder}")
    library = ctypes.cdll.LoadLibrary(str(path))
    library.LGBM_GetLastError.restype = ctypes.c_char_p
    return library


def _check(status: int) -> None:
    if status != 0:
        raise NativeModelError(_library().LGBM_GetLastError().decode())


class NativeTrees:
    """A fitted LightGBM booster: raw scores and exact TreeSHAP contributions of float64 rows."""

    def __init__(self, model_text: str) -> None:
        self._handle = ctypes.c_void_p()
        iterations = ctypes.c_int()
        _check(
            _library().LGBM_BoosterLoadModelFromString(
                ctypes.c_char_p(model_text.encode()), ctypes.byref(iterations), ctypes.byref(self._handle)
            )
        )
        features = ctypes.c_int()
        _check(_library().LGBM_BoosterGetNumFeature(self._handle, ctypes.byref(features)))
        self.num_features = features.value
        self.trees = model_text.count("\nTree=")
        self.leaves = sum(
            int(line.split("=", 1)[1]) for line in model_text.splitlines() if line.startswith("num_leaves=")
        )

    def _predict(self, matrix: np.ndarray, kind: int, width: int) -> np.ndarray:
        rows = np.ascontiguousarray(matrix, dtype=np.float64)
        if rows.ndim != 2 or rows.shape[1] != self.num_features:
            raise ValueError(f"expected rows of {self.num_features} features, got shape {rows.shape}")
        out = np.empty(rows.shape[0] * width, dtype=np.float64)
        written = ctypes.c_int64()
        threads = b"num_threads=1" if rows.shape[0] <= 16 else b""  # a few rows: no OpenMP team
        _check(
            _library().LGBM_BoosterPredictForMat(
                self._handle,
                rows.ctypes.data_as(ctypes.c_void_p),
                ctypes.c_int(_FLOAT64),
                ctypes.c_int32(rows.shape[0]),
                ctypes.c_int32(rows.shape[1]),
                ctypes.c_int(1),  # row major
                ctypes.c_int(kind),
                ctypes.c_int(0),  # from the first iteration
                ctypes.c_int(-1),  # every iteration the text holds (saved up to the best one)
                ctypes.c_char_p(threads),
                ctypes.byref(written),
                out.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
            )
        )
        if written.value != out.size:
            raise NativeModelError(f"LightGBM wrote {written.value} values, {out.size} expected")
        return out.reshape(rows.shape[0], width)

    def raw_scores(self, matrix: np.ndarray) -> np.ndarray:
        """Log-odds of each row (before any offset of the imbalance strategy)."""
        return self._predict(matrix, _RAW_SCORE, 1)[:, 0]

    def contributions(self, matrix: np.ndarray) -> np.ndarray:
        """TreeSHAP contribution of each feature, then the expected value, per row (features + 1)."""
        return self._predict(matrix, _CONTRIB, self.num_features + 1)

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle:
            _library().LGBM_BoosterFree(handle)
