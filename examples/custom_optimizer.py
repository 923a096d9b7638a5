"""Write your own optimizer, register it, and train with it by name.

Signum (Bernstein et al., 2018) keeps a momentum average of the gradients
and steps by its *sign* only, so every weight moves by exactly ``lr``:

    m <- beta * m + (1 - beta) * g
    W <- W - lr * sign(m)

A subclass of ``minidl.optim.Optimizer`` writes only that rule for one
array; ``@register`` makes the name usable everywhere (``minidl.fit``,
``minidl --plugin examples/custom_optimizer.py train --optimizer signum``, ...).
Run it from anywhere: ``python examples/custom_optimizer.py``.
"""

import numpy as np
from minidl.datasets import load_digits

import minidl
from minidl.optim import Optimizer, register


@register("signum")
class Signum(Optimizer):
    """Signum: step by the sign of the momentum."""

    slots = ("momentum",)  # per-parameter state, saved in checkpoints
    elementwise = True  # each number on its own: may run on all parameters at once

    def __init__(self, lr=1e-3, beta=0.9):
        super().__init__(lr)
        self.beta = beta

    def update_one(self, param, grad, state, scratch):
        momentum, work = state["momentum"], scratch[0]
        momentum *= self.beta
        np.multiply(grad, 1.0 - self.beta, out=work)
        momentum += work  # m <- beta m + (1 - beta) g
        np.sign(momentum, out=work)
        work *= self.lr
        param -= work  # W <- W - lr sign(m)


def main():
    (x_train, t_train), (x_test, t_test) = load_digits()
    for name in ("sgd", "signum"):
        network = minidl.MLP(64, [128], 10, seed=0)
        history = minidl.fit(network, x_train, t_train, optimizer=name, epochs=15, batch_size=32, verbose=0)
        print(f"{name:>7}: final training loss {history['train_loss'][-1]:.4f}, "
              f"test accuracy {network.accuracy(x_test, t_test):.2%}")


# Only when run as a script: `minidl --plugin examples/custom_optimizer.py ...`
# imports this file for its @register, and must not train the demo first.
if __name__ == "__main__":
    main()
