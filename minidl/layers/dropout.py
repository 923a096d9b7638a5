"""Dropout: randomly silence units during training, a cheap regulariser."""

from __future__ import annotations

import numpy as np

from minidl.settings import check_number


class Dropout:
    """Inverted dropout: drop each unit with probability ``ratio`` in training.

    Parameters
    ----------
    ratio : float in [0, 1), default 0.5
        Probability that a unit is set to zero. 0 makes the layer an identity.
    rng : numpy.random.Generator or int or None
        Source of the random masks. An MLP passes its own generator, so one
        seed fixes both the initial weights and every mask. An int is a seed;
        ``None`` means seed 0 (library code never draws unseeded).

    Attributes
    ----------
    mask : numpy.ndarray
        The last mask, already scaled: ``0`` for dropped units and
        ``1 / (1 - ratio)`` for kept ones.

    Notes
    -----
    In training, with :math:`m_i \\sim \\mathrm{Bernoulli}(1 - p)`:

    .. math:: \\text{out}_i = \\frac{m_i\\, x_i}{1 - p}, \\qquad
              \\frac{\\partial L}{\\partial x_i} = \\frac{m_i\\, \\text{dout}_i}{1 - p}

    Dividing by the keep probability :math:`1 - p` keeps the expected output
    equal to :math:`x`, so in evaluation (``train=False``) the layer simply
    passes :math:`x` through. (The book's version instead multiplies by
    :math:`1 - p` at evaluation time; both give the same predictions, but the
    inverted form makes evaluation free and independent of ``p``.)

    Because a unit cannot rely on any particular other unit being present,
    the network learns redundant features, which reduces overfitting.
    """

    def __init__(self, ratio=0.5, rng=None):
        # A ratio of 1 would drop every unit and leave nothing to learn from.
        self.ratio = check_number(ratio, "dropout ratio", low=0.0, high=1.0, high_inclusive=False)
        # default_rng returns a Generator it is given unchanged (shared, not
        # copied); None means seed 0, so that no mask is ever drawn unseeded.
        self.rng = np.random.default_rng(0 if rng is None else rng)
        self.mask = None

    def forward(self, x, train=True):
        if not train or self.ratio == 0.0:
            self.mask = None
            return x
        if x.dtype.kind != "f":
            raise ValueError(f"Dropout needs floating-point input; got dtype {x.dtype}: convert with x.astype(np.float32)")
        keep = self.rng.random(x.shape, dtype=x.dtype) >= self.ratio
        self.mask = keep.astype(x.dtype)
        # A Python float keeps the mask in x's dtype (float32 stays float32).
        self.mask *= 1.0 / (1.0 - self.ratio)
        return x * self.mask

    def backward(self, dout):
        if self.mask is None:
            return dout
        return dout * self.mask

    def __repr__(self):
        return f"Dropout(ratio={self.ratio})"
