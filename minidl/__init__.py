"""minidl: a minimal, from-scratch deep learning framework on numpy."""

__version__ = "0.1.0"

from minidl import gradcheck
from minidl.convnet import SimpleConvNet
from minidl.layers import Affine, BatchNorm, Dropout, ReLU, Sigmoid, SoftmaxWithLoss, Tanh, register_layer
from minidl.losses import cross_entropy, softmax
from minidl.network import MLP
from minidl.sequential import Sequential
from minidl.serialization import load_model, save_model
from minidl.training import Callback, EarlyStopping, History, Trainer, TrainingDivergedError, fit

__all__ = [
    "MLP",
    "Sequential",
    "SimpleConvNet",
    "register_layer",
    "Affine",
    "BatchNorm",
    "Dropout",
    "ReLU",
    "Sigmoid",
    "SoftmaxWithLoss",
    "Tanh",
    "cross_entropy",
    "gradcheck",
    "softmax",
    "Trainer",
    "fit",
    "History",
    "Callback",
    "EarlyStopping",
    "TrainingDivergedError",
    "save_model",
    "load_model",
]

#: Submodules that ``import minidl`` does not load (they import scikit-learn or
#: matplotlib, or are seldom needed), loaded on first use as ``minidl.export`` (PEP 562).
LAZY_SUBMODULES = ("export", "sklearn", "testing", "experiments")


def __getattr__(name):
    if name in LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"minidl.{name}")
    raise AttributeError(f"module 'minidl' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *LAZY_SUBMODULES])
