"""Exercise: He and Xavier initialisation of a weight matrix.

Chapter 6 of the book "Deep Learning from Scratch". Weights start random, so
that the units of a layer do not all compute the same thing. Their *scale*
matters as much: too small and the signal fades layer after layer, too large
and sigmoid units saturate. Both rules below pick the standard deviation from
the number of inputs of a unit, ``fan_in``, so the spread of the activations
stays about the same through the network.

Accepted forms: ``rng.normal(0, std, size)``, ``rng.standard_normal(shape) * std``,
``np.sqrt(2) / np.sqrt(fan_in)`` for ``np.sqrt(2 / fan_in)``. Refused: the
book's ``np.random.randn(...)``, the global generator (the same ``rng`` must
give the same weights).

Check your work with ``minidl homework check .``
"""

import numpy as np


def he_normal(fan_in, fan_out, rng):
    """Weights for a layer followed by ReLU: normal, mean 0, standard deviation ``sqrt(2 / fan_in)``.

    Parameters
    ----------
    fan_in, fan_out : int
        Inputs and outputs of the layer.
    rng : numpy.random.Generator
        Draws the numbers (never the global ``np.random`` functions).

    Returns
    -------
    numpy.ndarray of float64, shape (fan_in, fan_out)

    Notes
    -----
    ReLU zeroes about half of its inputs, halving the variance of the signal;
    He's factor 2 gives it back::

        W ~ Normal(mean 0, standard deviation sqrt(2 / fan_in))
    """
    # BEGIN SOLUTION: rng.normal with standard deviation sqrt(2 / fan_in) and shape (fan_in, fan_out)
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
    # END SOLUTION


def xavier_normal(fan_in, fan_out, rng):
    """Weights for a layer followed by sigmoid or tanh: normal, mean 0, standard deviation ``sqrt(1 / fan_in)``.

    Parameters
    ----------
    fan_in, fan_out : int
        Inputs and outputs of the layer.
    rng : numpy.random.Generator
        Draws the numbers (never the global ``np.random`` functions).

    Returns
    -------
    numpy.ndarray of float64, shape (fan_in, fan_out)

    Notes
    -----
    The book's form of Glorot and Bengio's rule::

        W ~ Normal(mean 0, standard deviation sqrt(1 / fan_in))
    """
    # BEGIN SOLUTION: rng.normal with standard deviation sqrt(1 / fan_in) and shape (fan_in, fan_out)
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))
    # END SOLUTION
