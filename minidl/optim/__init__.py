"""Optimizers: how the weights move once the gradients are known.

Every optimizer has the interface of the book's code, ``update(params, grads)``, and
changes the arrays of ``params`` in place::

    from minidl import optim

    optimizer = optim.get("adam", lr=0.001)         # or optim.Adam(lr=0.001)
    optimizer.add_hook(optim.WeightDecay(1e-4))     # optional gradient hooks
    schedule = optim.get_schedule("cosine", total_epochs=20)
    for epoch in range(20):
        optimizer.lr = schedule(0.001, epoch)
        for x, t in batches:
            grads = network.gradient(x, t)
            optimizer.update(network.params, grads)

Each optimizer equals its ``torch.optim`` counterpart (tested against
trajectories recorded with PyTorch); ``docs/optimizers.md`` maps them to
PyTorch, Keras and the book's code.
"""

from minidl.optim.adam import Adam, AdamW
from minidl.optim.adaptive import AdaDelta, AdaGrad, RMSprop
from minidl.optim.base import Optimizer
from minidl.optim.hooks import ClipGradNorm, WeightDecay
from minidl.optim.registry import available, get, register
from minidl.optim.schedules import (
    CosineDecay,
    ExponentialDecay,
    InverseTimeDecay,
    StepDecay,
    get_schedule,
)
from minidl.optim.sgd import SGD, Momentum, Nesterov

__all__ = [
    "Optimizer",
    "get",
    "register",
    "available",
    "SGD",
    "Momentum",
    "Nesterov",
    "AdaGrad",
    "RMSprop",
    "AdaDelta",
    "Adam",
    "AdamW",
    "WeightDecay",
    "ClipGradNorm",
    "StepDecay",
    "ExponentialDecay",
    "CosineDecay",
    "InverseTimeDecay",
    "get_schedule",
]
