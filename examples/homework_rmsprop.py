"""Homework, worked through: write RMSprop, register it, check it, race it.

The exercise a course would set: "implement RMSprop as a minidl optimizer".
This script is the student's answer and the grader's checks in one file:

1. ``MyRMSprop`` subclasses :class:`minidl.optim.Optimizer` and writes only
   the update rule for one parameter array (``update_one``);
2. ``@optim.register("my_rmsprop")`` makes it usable by name everywhere
   minidl takes an optimizer name (``optim.get``, the trainer, the
   experiments, ``MinidlClassifier(solver=...)``);
3. :func:`minidl.homework.checks.check_optimizer` runs it next to minidl's own
   RMSprop and reports the first step where they differ; a classic mistake
   (eps inside the square root) shows what a failing report looks like;
4. :func:`minidl.experiments.compare_optimizers` races it by name against
   SGD and the built-in RMSprop on the 8x8 digits. Same seed means same
   initial weights and same batches, so its loss curve must follow the
   built-in one up to float32 rounding (the two write the rule in a
   different order).

Run it from anywhere: ``python examples/homework_rmsprop.py`` (about 10 s).
"""

import numpy as np

from minidl import optim
from minidl.experiments import compare_optimizers
from minidl.homework.checks import check_optimizer


@optim.register("my_rmsprop")
class MyRMSprop(optim.Optimizer):
    """RMSprop: divide each step by the root of a moving average of squared gradients.

    h <- decay_rate * h + (1 - decay_rate) * g * g
    W <- W - lr * g / (sqrt(h) + eps)
    """

    # The per-parameter state: minidl creates it (zeros, the parameter's shape
    # and dtype) before the first update, and saves it with state_dict().
    slots = ("h",)

    def __init__(self, lr=0.01, decay_rate=0.99, eps=1e-7):
        super().__init__(lr)
        # Stored under their own names: hyperparameters, repr and saving read them back.
        self.decay_rate = decay_rate
        self.eps = eps

    def update_one(self, param, grad, state, scratch):
        h = state["h"]
        h *= self.decay_rate
        h += (1 - self.decay_rate) * grad * grad
        # In place (-=): the network's layers hold this very array.
        param -= self.lr * grad / (np.sqrt(h) + self.eps)


class RMSpropEpsInsideRoot(MyRMSprop):
    """A common slip: eps under the square root. Not registered; checked to see it fail."""

    def update_one(self, param, grad, state, scratch):
        h = state["h"]
        h *= self.decay_rate
        h += (1 - self.decay_rate) * grad * grad
        param -= self.lr * grad / np.sqrt(h + self.eps)


def main():
    print("== Step 3: check it against minidl's RMSprop ==")
    report = check_optimizer(MyRMSprop, "rmsprop", lr=0.01, decay_rate=0.9)
    print(report, end="\n\n")
    report.raise_if_failed()

    print("== ... and what a mistake looks like ==")
    print(check_optimizer(RMSpropEpsInsideRoot, "rmsprop", lr=0.01, decay_rate=0.9), end="\n\n")

    print("== Step 4: race it by name on the digits ==")
    names = ("sgd", "rmsprop", "my_rmsprop")
    result = compare_optimizers("digits", optimizers=names, iterations=300, hidden_sizes=(50, 50), progress=False)
    for name, loss in result.mean_final_loss().items():
        print(f"  {name:<11} final training loss {loss:.4f}")
    mine, built_in = result.losses[names.index("my_rmsprop")], result.losses[names.index("rmsprop")]
    print(f"  largest gap between the my_rmsprop and rmsprop curves: {np.abs(mine - built_in).max():.1e}")
    return result


if __name__ == "__main__":
    main()
