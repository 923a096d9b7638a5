"""The experiments' training runs use minidl's thread choice, or the --threads of the command."""

import numpy as np
import threadpoolctl

from minidl import MLP, optim
from minidl.cli import main
from minidl.experiments import common
from minidl.threads import limit_threads


def blas_threads():
    return max(pool["num_threads"] for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas")


class SeeThreads(optim.SGD):
    """SGD that notes the BLAS thread count in force at every update."""

    def __init__(self):
        super().__init__(lr=0.01)
        self.seen = set()

    def update(self, params, grads):
        self.seen.add(blas_threads())
        super().update(params, grads)


def run_iterations(digits_like):
    optimizer = SeeThreads()
    x, t = digits_like
    common.train_for_iterations(MLP(64, [16], 10), optimizer, x, t, iterations=3, batch_size=10, seed=0)
    return optimizer.seen


def test_train_for_iterations_decides_or_takes_the_enclosing_count():
    data = (np.random.default_rng(0).random((30, 64), dtype=np.float32), np.arange(30) % 10)
    assert run_iterations(data) == {1}
    with limit_threads(2):
        assert run_iterations(data) == {2}


def test_the_experiment_command_passes_its_threads_to_every_run(tmp_path, monkeypatch):
    seen = []

    def noting(*arguments, **settings):
        seen.append(blas_threads())
        return original(*arguments, **settings)

    original = common.train_for_iterations
    monkeypatch.setattr(common, "train_for_iterations", noting)
    assert main(["experiment", "compare", "--iterations", "1", "--optimizers", "sgd", "--no-plot", "--quiet",
                 "--out", str(tmp_path), "--threads", "2"]) == 0
    assert seen == [2]
