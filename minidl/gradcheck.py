"""Gradient checking: compare backpropagation with finite differences.

Backpropagation is fast but easy to get subtly wrong; a finite difference is
slow but hard to get wrong. If the two agree on a small network, the
backward passes are right. Use float64 networks: in float32 the rounding
error of a finite difference is about as large as the quantity measured.
"""

from __future__ import annotations

import numpy as np

#: Central-difference stencils: order -> (offsets in steps of h, weights).
#: Each estimates f'(x) as sum(weight * f(x + offset * h)) / h.
STENCILS = {
    2: ((-1, 1), (-1 / 2, 1 / 2)),
    4: ((-2, -1, 1, 2), (1 / 12, -8 / 12, 8 / 12, -1 / 12)),
}


def numerical_gradient(f, x, h=1e-4, order=2):
    """Estimate the gradient of the scalar function ``f`` at the array ``x``.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a number. It is called with ``x`` itself after one
        entry of ``x`` has been nudged in place, so it may also ignore its
        argument and read an array that shares memory with ``x`` (for
        example ``lambda _: net.loss(x_batch, t)`` with ``x = net.params["W1"]``).
    x : numpy.ndarray
        The point; modified during the call and restored exactly afterwards.
    h : float, default 1e-4
        Step size.
    order : {2, 4}, default 2
        Accuracy order of the central difference (see Notes).

    Returns
    -------
    numpy.ndarray, same shape and dtype as ``x``

    Notes
    -----
    The central difference of the book (``order=2``)

    .. math:: \\frac{\\partial f}{\\partial x_i} \\approx
              \\frac{f(x + h e_i) - f(x - h e_i)}{2h}

    has an error proportional to :math:`h^2` (the one-sided difference
    :math:`(f(x + h e_i) - f(x)) / h` only to :math:`h`). The five-point
    stencil (``order=4``)

    .. math:: \\frac{f(x - 2h e_i) - 8 f(x - h e_i) + 8 f(x + h e_i) - f(x + 2h e_i)}{12h}

    cancels the :math:`h^2` term too, leaving :math:`h^4`, for twice the
    evaluations. Either way, too small an ``h`` makes rounding error grow
    instead, like :math:`\\varepsilon |f| / h`. Each entry costs ``order``
    evaluations of ``f``: keep the network tiny.
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise ValueError(
            f"x must be a floating-point numpy array that f reads, modified in place; got {type(x).__name__}"
            + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else "")
        )
    if order not in STENCILS:
        raise ValueError(f"order must be one of {sorted(STENCILS)}; got {order!r}")
    offsets, weights = STENCILS[order]
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        total = 0.0
        for offset, weight in zip(offsets, weights):
            x[index] = original + offset * h
            total += weight * float(f(x))
        # Restore the very same number, not original + h - h, which may round differently.
        x[index] = original
        gradient[index] = total / h
    return gradient


def relative_error(analytic, numerical, floor=1e-5):
    """Largest element-wise ``|a - n| / max(|a| + |n|, floor)``, a number in [0, 1].

    The floor keeps entries where both gradients are (nearly) zero from
    dividing rounding noise by almost nothing: a finite difference in float64
    carries an error of about ``1e-16 * |f| / h``, roughly ``1e-12``, even
    where the true gradient is exactly zero (the bias before a batch-norm
    layer, for instance). Entries below the floor are thus judged by their
    absolute difference, divided by ``floor``.
    """
    analytic, numerical = np.asarray(analytic, dtype=np.float64), np.asarray(numerical, dtype=np.float64)
    if analytic.shape != numerical.shape:
        raise ValueError(f"cannot compare gradients of shapes {analytic.shape} and {numerical.shape}")
    if analytic.size == 0:
        return 0.0
    scale = np.maximum(np.abs(analytic) + np.abs(numerical), floor)
    return float((np.abs(analytic - numerical) / scale).max())


def check_gradients(net, x, t, h=1e-4, order=4, floor=1e-5):
    """Compare ``net.gradient(x, t)`` with numerical gradients of ``net.loss(x, t)``.

    Parameters
    ----------
    net : MLP
        Any object with ``params``, ``loss(x, t, train=True)`` and
        ``gradient(x, t)``. A float32 network (any :class:`~minidl.Sequential`,
        layers of one's own included) is checked through a float64 copy of
        its layers with the same weights (:func:`float64_copy`): float32
        rounding (about 1e-7 of the loss) divided by ``h`` would swamp the
        finite differences.
    x, t : array_like
        A small batch and its labels.
    h : float, default 1e-4
        Finite-difference step.
    order : {2, 4}, default 4
        Accuracy order of :func:`numerical_gradient`. The default five-point
        stencil matters for batch normalisation: it makes the loss nearly
        blind to the scale of the weights before it, so some of their
        gradients are tiny next to the curvature, and the :math:`h^2` error
        of the two-point difference alone reaches a relative 1e-5.
    floor : float, default 1e-5
        Denominator floor of :func:`relative_error`.

    Returns
    -------
    dict of str -> float
        For each parameter name, the largest relative error. Below 1e-6 in
        float64 means the backward pass is right; errors near 1 point at a bug.

    Notes
    -----
    Dropout must draw the same mask in every evaluation, or the finite
    differences would measure the change of mask rather than of the
    parameter. The state of ``net.rng`` (which draws the masks) is therefore
    reset before each evaluation. The network is left as it was found: its
    parameters, batch-norm running statistics and generator state are
    restored at the end.

    ReLU has a kink at 0. If an input to a ReLU lies within ``2 h`` of 0,
    the finite difference straddles the kink and disagrees with the
    (one-sided) analytic gradient, though both are right: a large error on a
    few entries of a ReLU network can mean that, not a bug. Check again with
    other data or weights, or with ``activation="tanh"``, which is smooth.
    Zero inputs with zero biases hit the kink exactly: a convolution over a
    blank patch (a digit's background) outputs ``b1 = 0``, and equal values
    in a max-pooling window are ties, so ``b1`` of a fresh
    :class:`~minidl.SimpleConvNet` can show an error near 1 on raw digits.
    Check a small network (a few filters) on random normal inputs instead.
    """
    return {name: relative_error(analytic, numerical, floor=floor)
            for name, (analytic, numerical) in gradient_pairs(net, x, t, h=h, order=order).items()}


def gradient_pairs(net, x, t, h=1e-4, order=4):
    """The two gradients that :func:`check_gradients` compares, side by side.

    Parameters are those of :func:`check_gradients`.

    Returns
    -------
    dict of str -> (numpy.ndarray, numpy.ndarray)
        For each parameter name, ``(analytic, numerical)``: a copy of
        ``net.gradient(x, t)[name]`` and the finite-difference estimate, for
        a caller that needs more than the largest relative error (where the
        two differ, and how).
    """
    if getattr(net, "dtype", np.float64) != np.float64 and (hasattr(net, "_copy_in") or hasattr(net, "from_config")):
        net = float64_copy(net)
    rng = getattr(net, "rng", None)
    rng_state = rng.bit_generator.state if rng is not None else None
    saved = net.state_dict() if hasattr(net, "state_dict") else None

    def reset_rng():
        if rng is not None:
            rng.bit_generator.state = rng_state

    def loss(_):
        reset_rng()
        return net.loss(x, t, train=True)

    try:
        reset_rng()
        analytic = {name: np.array(value, copy=True) for name, value in net.gradient(x, t).items()}
        pairs = {name: (analytic[name], numerical_gradient(loss, parameter, h=h, order=order))
                 for name, parameter in net.params.items()}
    finally:
        if saved is not None:
            net.load_state_dict(saved)
        reset_rng()
    return pairs


def float64_copy(net):
    """The same network (layers, weights, running statistics, generator state) in float64.

    A :class:`~minidl.Sequential` (an MLP, a SimpleConvNet) is deep-copied
    layer by layer, so that a layer of one's own, registered or not, and a
    layer that replaced a built one are checked as they are. Another network
    is rebuilt from its ``config`` and given the same state.
    """
    if hasattr(net, "_copy_in"):
        return net._copy_in(np.float64)
    copy = type(net).from_config({**net.config, "dtype": "float64"})
    copy.load_state_dict({name: value.astype(np.float64) for name, value in net.state_dict().items()})
    copy.rng.bit_generator.state = net.rng.bit_generator.state
    return copy
