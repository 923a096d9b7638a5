"""Exercise: the numerical gradient, by central differences.

Chapter 4 of the book "Deep Learning from Scratch" introduces it and chapter 5
uses it to check backpropagation ("gradient check"): slow, but hard to get
wrong, so it is the referee of every ``backward`` you write.

Check your work with ``minidl homework check .``
"""

import numpy as np


def numerical_gradient(f, x, h=1e-4):
    """Estimate the gradient of the scalar function ``f`` at the array ``x``.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a number. Call it with ``x`` itself after nudging one
        of its elements in place (``f`` may read ``x`` through another name).
    x : numpy.ndarray of float, any shape
        The point. Nudge its elements in place, one at a time, and put each
        back exactly as it was: after the call, ``x`` must be unchanged.
    h : float, default 1e-4
        The nudge.

    Returns
    -------
    numpy.ndarray, same shape as ``x``
        Element ``i`` is the estimate of ``df/dx[i]``.

    Notes
    -----
    The central difference, for every element ``i`` of ``x``::

        df/dx[i] ~ (f(x + h e_i) - f(x - h e_i)) / (2 h)

    where ``e_i`` is 1 at ``i`` and 0 elsewhere. Its error shrinks like
    ``h**2``; the one-sided ``(f(x + h e_i) - f(x)) / h`` only like ``h``.
    Restore ``x[i]`` by assigning the saved value back, not by subtracting
    ``h`` again (``x + h - h`` may round to another number).
    ``np.ndindex(x.shape)`` gives every index of an array of any shape.

    **Accepted forms**: the book's loop over ``np.nditer(x, flags=["multi_index"])``
    with ``tmp_val = x[idx]`` put back after the two evaluations; a loop
    over ``range(x.size)`` with ``x.flat`` (or ``x.reshape(-1)``, a view).
    """
    # BEGIN SOLUTION: for every index: save x[index], evaluate f at +h and at -h, restore x[index], store the difference / 2h
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + h
        f_plus = f(x)
        x[index] = saved - h
        f_minus = f(x)
        x[index] = saved
        gradient[index] = (f_plus - f_minus) / (2 * h)
    return gradient
    # END SOLUTION
