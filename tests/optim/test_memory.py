"""A training step allocates no memory proportional to the number of parameters.

numpy reports its array buffers to ``tracemalloc``, so the peak traced memory
during one (warmed-up) update shows any temporary array the rules create.
"""

import tracemalloc

import numpy as np
import pytest

from minidl import optim

PARAMETER_BYTES = (300 * 200 + 200) * 8  # about 480 kB
ALLOWED_BYTES = 16_000  # Python bookkeeping only: a temporary array would be ~30x this


def peak_bytes_of_one_update(optimizer, params, grads):
    optimizer.update(params, grads)  # the first update creates the state and scratch arrays
    tracemalloc.start()
    try:
        optimizer.update(params, grads)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", sorted(optim.available()))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_step_allocates_nothing_proportional_to_the_parameters(name, dtype):
    rng = np.random.default_rng(0)
    params = {"W": rng.standard_normal((300, 200)).astype(dtype), "b": np.zeros(200, dtype)}
    grads = {key: rng.standard_normal(value.shape).astype(dtype) for key, value in params.items()}
    optimizer = optim.get(name).add_hook(optim.ClipGradNorm(1.0)).add_hook(optim.WeightDecay(1e-4))
    peak = peak_bytes_of_one_update(optimizer, params, grads)
    assert peak < ALLOWED_BYTES < PARAMETER_BYTES / 30, f"{name} allocated {peak} bytes in one step"


def test_the_measurement_sees_a_temporary_array():
    class Wasteful(optim.SGD):
        def update_one(self, param, grad, state, scratch):
            param -= self.lr * grad  # lr * grad is a new array at every step

    params = {"W": np.ones((300, 200))}
    peak = peak_bytes_of_one_update(Wasteful(), params, {"W": np.ones((300, 200))})
    assert peak > 300 * 200 * 8
