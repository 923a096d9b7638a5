"""Weight initialisers: how the first guess of each weight matrix is drawn.

If every weight starts equal (say 0), every unit of a layer computes the same
thing and receives the same gradient, so they stay equal forever: the layer
behaves like a single unit. Random weights break this symmetry. Their *scale*
matters as much: too small and the signal (and the gradient) fades layer
after layer, too large and sigmoid/tanh units saturate. The rules below pick
the scale from the number of inputs of a unit, ``fan_in``, so that the
variance of the activations stays roughly constant through the network.

Names known (see ``INITIALISERS``):

======================  =========================================  ===========
name (aliases)          distribution of each weight                for
======================  =========================================  ===========
``"he"`` (``"relu"``,   normal, mean 0, variance ``2 / fan_in``    ReLU
``"kaiming"``)
``"xavier"``            normal, mean 0, variance ``1 / fan_in``    sigmoid,
(``"sigmoid"``)                                                    tanh
``"he_uniform"``        uniform on ``[-a, a]``,                    ReLU
(``"kaiming_uniform"``) ``a = sqrt(6 / fan_in)``
``"xavier_uniform"``    uniform on ``[-a, a]``,                    sigmoid,
                        ``a = sqrt(6 / (fan_in + fan_out))``       tanh
a number ``s``          normal, mean 0, standard deviation ``s``   experiments
======================  =========================================  ===========

Names are case-insensitive (``"He"`` is ``"he"``). He et al. (2015) is also
known by its first author's given name, Kaiming: PyTorch's ``kaiming_normal_``.
``"xavier"`` follows the book "Deep Learning from Scratch" (variance
``1 / fan_in``), while ``"xavier_uniform"`` is Glorot and Bengio's original
rule, which averages fan-in and fan-out. The uniform variants have the same
variance as their normal counterparts would (a uniform on ``[-a, a]`` has
variance ``a**2 / 3``). ReLU zeroes half of its inputs on average, which
halves the variance; He's factor 2 gives it back.

Biases start at zero: the random weights already break the symmetry.
"""

from __future__ import annotations

import numpy as np

from minidl.settings import Real, check, check_dtype, check_positive_int


def _he_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def _xavier_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))


def _he_uniform(fan_in, fan_out, rng):
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def _xavier_uniform(fan_in, fan_out, rng):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


#: Initialiser name -> function ``(fan_in, fan_out, rng) -> float64 array``.
INITIALISERS = {
    "he": _he_normal,
    "relu": _he_normal,
    "kaiming": _he_normal,
    "xavier": _xavier_normal,
    "sigmoid": _xavier_normal,
    "he_uniform": _he_uniform,
    "kaiming_uniform": _he_uniform,
    "xavier_uniform": _xavier_uniform,
}


def check_weight_init(weight_init):
    """Return ``weight_init`` cleaned (a known name in lowercase, or a float >= 0), else raise ``ValueError``."""
    if Real().is_kind(weight_init):
        return check(weight_init, Real(0, note="a standard deviation"), "a numeric weight_init")
    if not isinstance(weight_init, str) or weight_init.lower() not in INITIALISERS:
        raise ValueError(
            f"unknown weight_init {weight_init!r}; choose one of "
            f"{', '.join(map(repr, INITIALISERS))} or give a standard deviation such as 0.01"
        )
    return weight_init.lower()


def initialize(weight_init, fan_in, fan_out, rng, dtype=np.float32):
    """Draw a weight matrix of shape (fan_in, fan_out).

    Parameters
    ----------
    weight_init : str or float
        A name from ``INITIALISERS`` (see the table at the top of this module)
        or a standard deviation for a plain normal distribution.
    fan_in, fan_out : int
        Number of inputs and outputs of the layer.
    rng : numpy.random.Generator
        The source of randomness; the same generator state gives the same
        weights, bit for bit.
    dtype : numpy dtype, default float32

    Returns
    -------
    numpy.ndarray, shape (fan_in, fan_out), of ``dtype``

    Notes
    -----
    The numbers are drawn in float64 and then rounded to ``dtype``. A float32
    and a float64 network built from the same seed therefore start from the
    same weights (up to rounding), which makes them easy to compare.
    """
    weight_init = check_weight_init(weight_init)
    fan_in = check_positive_int(fan_in, "fan_in")
    fan_out = check_positive_int(fan_out, "fan_out")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator, got {type(rng).__name__}; "
            "make one with np.random.default_rng(seed)"
        )
    dtype = check_dtype(dtype)
    if isinstance(weight_init, float):
        weights = rng.normal(0.0, weight_init, size=(fan_in, fan_out))
    else:
        weights = INITIALISERS[weight_init](fan_in, fan_out, rng)
    return weights.astype(dtype, copy=False)
