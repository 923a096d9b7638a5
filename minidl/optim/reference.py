"""The eight update rules, each written as its equation: read these first.

Each function takes one parameter array ``param``, its gradient ``grad``
and the rule's ``state`` (a dict; ``{}`` before the first step), and returns
the new parameter and the new state. Nothing is changed in place and new
arrays are made freely, so every line is one line of the equation. A moving
average starts at zero: ``state.get("velocity", np.zeros_like(grad))``.

    state = {}
    for step in range(100):
        param, state = adam(param, gradient(param), state, lr=0.001)

The optimizers that train networks (:mod:`minidl.optim.sgd`, ``adaptive``,
``adam``) compute the same numbers in place, in preallocated arrays, over
all of a network's parameters at once: "the in-place form of
``reference.adam``". ``tests/optim/test_reference.py`` holds each of them
equal to its function here, to rounding. The state keys are the
optimizers' slot names, so ``optimizer.state["W1"]`` can be compared with
them too. These functions are never on the training path.

Notation: ``lr`` is the learning rate :math:`\\eta`; ``*``, ``/``,
``np.sqrt`` act element by element.
"""

from __future__ import annotations

import inspect

import numpy as np


def sgd(param, grad, state, lr=0.01):
    """Gradient descent: W <- W - lr g."""
    return param - lr * grad, state


def momentum(param, grad, state, lr=0.01, momentum=0.9):
    """Momentum (PyTorch's form): b <- mu b + g;  W <- W - lr b.

    The book's v <- mu v - lr g;  W <- W + v is the same rule while lr stays constant: v = -lr b."""
    b = state.get("velocity", np.zeros_like(grad))
    b = momentum * b + grad
    return param - lr * b, {"velocity": b}


def nesterov(param, grad, state, lr=0.01, momentum=0.9):
    """Nesterov momentum (PyTorch's form): b <- mu b + g;  W <- W - lr (g + mu b).

    The book's v <- mu v - lr g;  W <- W + mu v - lr g is the same while lr stays constant: v = -lr b."""
    b = state.get("velocity", np.zeros_like(grad))
    b = momentum * b + grad
    return param - lr * (grad + momentum * b), {"velocity": b}


def adagrad(param, grad, state, lr=0.01, eps=1e-7):
    """AdaGrad: h <- h + g^2;  W <- W - lr g / (sqrt(h) + eps)."""
    h = state.get("squared_gradient_sum", np.zeros_like(grad))
    h = h + grad * grad
    return param - lr * grad / (np.sqrt(h) + eps), {"squared_gradient_sum": h}


def rmsprop(param, grad, state, lr=0.01, decay_rate=0.99, eps=1e-7):
    """RMSprop: h <- rho h + (1 - rho) g^2, with rho the decay rate;  W <- W - lr g / (sqrt(h) + eps)."""
    h = state.get("squared_gradient_average", np.zeros_like(grad))
    h = decay_rate * h + (1 - decay_rate) * grad * grad
    return param - lr * grad / (np.sqrt(h) + eps), {"squared_gradient_average": h}


def adadelta(param, grad, state, lr=1.0, rho=0.95, eps=1e-6):
    """AdaDelta: s <- rho s + (1 - rho) g^2;  D = sqrt(u + eps) / sqrt(s + eps) g;
    u <- rho u + (1 - rho) D^2;  W <- W - lr D."""
    s = state.get("squared_gradient_average", np.zeros_like(grad))
    u = state.get("squared_update_average", np.zeros_like(grad))
    s = rho * s + (1 - rho) * grad * grad
    delta = np.sqrt(u + eps) / np.sqrt(s + eps) * grad
    u = rho * u + (1 - rho) * delta * delta
    return param - lr * delta, {"squared_gradient_average": s, "squared_update_average": u}


def adam(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam (Kingma & Ba, 2015, Algorithm 1); the state also counts the steps, t = 1, 2, ..."""
    m = state.get("first_moment", np.zeros_like(grad))
    v = state.get("second_moment", np.zeros_like(grad))
    t = state.get("step", 0) + 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
    return param, {"first_moment": m, "second_moment": v, "step": t}


def adamw(param, grad, state, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    """AdamW (Loshchilov & Hutter, 2019): W <- W (1 - lr lambda), then the Adam step."""
    return adam(param * (1 - lr * weight_decay), grad, state, lr, beta1, beta2, eps)


#: Registered optimizer name -> its reference rule.
RULES = {
    "sgd": sgd,
    "momentum": momentum,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adadelta": adadelta,
    "adam": adam,
    "adamw": adamw,
}


def source(name):
    """The text of the reference rule of optimizer ``name`` (e.g. ``"adam"``), to print or quote.

    AdamW's text is followed by Adam's, which it calls.

    Examples
    --------
    >>> print(source("sgd"))
    def sgd(param, grad, state, lr=0.01):
        \"\"\"Gradient descent: W <- W - lr g.\"\"\"
        return param - lr * grad, state
    <BLANKLINE>
    """
    key = name.lower()
    if key not in RULES:
        raise ValueError(f"no reference rule {name!r}; the rules are {', '.join(RULES)}")
    text = inspect.getsource(RULES[key])
    return text + "\n" + inspect.getsource(adam) if key == "adamw" else text
