"""How much of an epoch is matrix products: replay them alone, same shapes, and compare.

Why not a profiler: minidl writes its products with the ``@`` operator, which
runs inside the interpreter without a Python-level function call, so
:mod:`cProfile` cannot see it (it would silently charge that time to the
calling layer method). A sampling profiler with native frames could, but
needs extra tools and privileges.

So the benchmark *replays* the products: for every step of an epoch it
performs exactly the matrix products minidl's affine layers perform, with the
same shapes, dtype and memory layouts (``x.T`` as a transposed view, like
the layer), and nothing else. The time of that replay divided by the time of
minidl's epoch is the share of the epoch spent in matrix products. Which
products a layer does is read from the network itself: each ``Affine`` gives
``x @ W`` forward, ``x.T @ dout`` for ``dW`` and, if its
``needs_input_gradient`` is true, ``dout @ W.T`` for ``dx``.

The replay is an honest estimate rather than an exact measurement: inside a
real epoch the products meet caches warmed or cooled by the other work, in
either direction. A native profile (``perf``) of a single-thread epoch put
34 % of the cycles in OpenBLAS where the replay said 36 to 38 %.
"""

from __future__ import annotations

import numpy as np


def affine_products(network):
    """List ``(W, needs_input_gradient)`` of each affine layer of a minidl network, in order."""
    products = []
    for layer in network.layers.values():
        if type(layer).__name__ == "Affine":
            products.append((layer.W, bool(getattr(layer, "needs_input_gradient", True))))
    if not products:
        raise ValueError(f"network {network!r} has no Affine layer whose products could be replayed")
    return products


class MatmulReplay:
    """The matrix products of one epoch of ``network`` on ``x``, and nothing else.

    Parameters
    ----------
    network : minidl.MLP
        Its affine layers give the weight shapes and which ``dx`` are computed.
    x : ndarray, shape (m, n_features)
        The training inputs; batches are consecutive slices, as in an epoch.
    batch_size : int
        Rows per step.
    seed : int
        Fills the stand-in upstream gradients (their values do not matter).
    """

    def __init__(self, network, x, batch_size, seed=0):
        rng = np.random.default_rng(seed)
        self.x = x
        self.batch_size = batch_size
        # Copies: the replay must not touch the network's weights.
        self.layers = [(weight.copy(), needs) for weight, needs in affine_products(network)]
        # A full-size upstream gradient per layer; the last batch uses its first rows.
        self.upstream = [rng.standard_normal((batch_size, weight.shape[1])).astype(x.dtype) for weight, _ in self.layers]

    def run_epoch(self):
        """Forward products, then ``dW`` and the needed ``dx`` products, for every batch."""
        for start in range(0, len(self.x), self.batch_size):
            batch = self.x[start : start + self.batch_size]
            rows = len(batch)
            inputs = [batch]
            for weight, _ in self.layers:
                inputs.append(inputs[-1] @ weight)
            for (weight, needs_input_gradient), layer_input, upstream in zip(
                reversed(self.layers), reversed(inputs[:-1]), reversed(self.upstream)
            ):
                dout = upstream[:rows]
                layer_input.T @ dout
                if needs_input_gradient:
                    dout @ weight.T
