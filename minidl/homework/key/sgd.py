"""Exercise: stochastic gradient descent (SGD), the simplest update rule.

Chapter 6 of the book "Deep Learning from Scratch". An optimizer has one
method, ``update(params, grads)``: both are dicts with the same keys
(``"W1"``, ``"b1"``, ...), and ``update`` changes the arrays of ``params``
in place.

Check your work with ``minidl homework check .``
"""

class SGD:
    """Plain gradient descent: a step against the gradient.

    Parameters
    ----------
    lr : float, default 0.01
        The learning rate, eta.

    Notes
    -----
    For every parameter ``W`` with gradient ``g = dL/dW``::

        W <- W - lr * g

    **In place.** Write ``params[key] -= ...``. The layers of a network hold
    these very arrays; ``params[key] = params[key] - ...`` would bind a new
    array that no layer ever sees, and the network would not learn.

    **Accepted forms**: the ``-=`` of the solution,
    ``np.subtract(params[key], self.lr * grads[key], out=params[key])``,
    ``params[key][...] = params[key] - self.lr * grads[key]``.
    """

    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        """Move every array of ``params`` one step against its gradient in ``grads``, in place."""
        # BEGIN SOLUTION: for every key, params[key] -= lr * grads[key]
        for key in params:
            params[key] -= self.lr * grads[key]
        # END SOLUTION
