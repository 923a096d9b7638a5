"""One Adam step on a million parameters: minidl against a fused in-place reference.

An optimizer step touches every parameter a dozen times, so on a big network
its cost is set by memory traffic: how many full passes over the arrays it
makes, and whether it allocates new arrays (each a fresh page-faulting
allocation) on the way. The reference below is the least numpy can do for
Adam's equation as written: one scratch array per parameter, every operation
written ``out=`` or in place, 13 passes. minidl's ``Adam.update`` should stay
within 1.2 times its time and allocate nothing that grows with the number of
parameters.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np

#: Shapes of the parameter arrays: 784*1000 + 1000 + 1000*215 + 215 = 1,000,215 numbers.
SHAPES = {"W1": (784, 1000), "b1": (1000,), "W2": (1000, 215), "b2": (215,)}


class FusedAdam:
    """Adam (as ``torch.optim.Adam``) in the fewest numpy passes, all in place.

    Notes
    -----
    It computes :math:`W \\leftarrow W - \\eta \\frac{m / c_1}{\\sqrt{v / c_2} + \\epsilon}`,
    with :math:`c_1 = 1 - \\beta_1^t` and :math:`c_2 = 1 - \\beta_2^t`, as
    written, as minidl's Adam does. Moving eps, as
    :math:`\\frac{\\eta \\sqrt{c_2}}{c_1} \\frac{m}{\\sqrt{v} + \\epsilon \\sqrt{c_2}}`,
    would save one pass (see ``docs/performance.md``).
    """

    def __init__(self, params, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.step_count = 0
        self.first = {name: np.zeros_like(value) for name, value in params.items()}
        self.second = {name: np.zeros_like(value) for name, value in params.items()}
        self.scratch = {name: np.empty_like(value) for name, value in params.items()}

    def update(self, params, grads):
        self.step_count += 1
        correction1 = 1.0 - self.beta1**self.step_count
        correction2 = 1.0 - self.beta2**self.step_count
        for name, param in params.items():
            grad, first, second, scratch = grads[name], self.first[name], self.second[name], self.scratch[name]
            first *= self.beta1
            np.multiply(grad, 1.0 - self.beta1, out=scratch)
            first += scratch
            second *= self.beta2
            np.square(grad, out=scratch)
            scratch *= 1.0 - self.beta2
            second += scratch
            np.multiply(second, 1.0 / correction2, out=scratch)
            np.sqrt(scratch, out=scratch)
            scratch += self.eps
            np.divide(first, scratch, out=scratch)
            scratch *= self.lr / correction1
            param -= scratch


def make_problem(seed, scale=1):
    """Float32 parameters and gradients of :data:`SHAPES`, each ``scale`` times wider."""
    rng = np.random.default_rng(seed)
    shapes = {name: (*shape[:-1], shape[-1] * scale) for name, shape in SHAPES.items()}
    params = {name: rng.standard_normal(shape, dtype=np.float32) for name, shape in shapes.items()}
    grads = {name: rng.standard_normal(shape, dtype=np.float32) for name, shape in shapes.items()}
    return params, grads


def time_in_turns(runs, steps):
    """Mean seconds of one update for each ``(optimizer, params, grads)``, taking turns.

    Turns (A, B, A, B, ...) rather than all of A then all of B, so that a
    burst of background work slows both alike. The mean, not the median:
    minidl's optimizers do extra work every 16th step (they zero subnormal
    numbers, see ``minidl.optim.subnormals``), and its cost must count; use
    a multiple of 16 for ``steps``.
    """
    durations = [[] for _ in runs]
    for _ in range(steps):
        for (optimizer, params, grads), record in zip(runs, durations):
            start = time.perf_counter()
            optimizer.update(params, grads)
            record.append(time.perf_counter() - start)
    return [float(np.mean(record)) for record in durations]


def peak_step_allocation(make_optimizer, params, grads):
    """Bytes allocated at the peak of one update, beyond what was held before it.

    numpy reports its array memory to :mod:`tracemalloc`, so a temporary
    array of a parameter's size would show up here as that many bytes.
    The first two updates (the first creates the optimizer's state) are not
    counted.
    """
    optimizer = make_optimizer(params)
    optimizer.update(params, grads)
    optimizer.update(params, grads)
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        optimizer.update(params, grads)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def measure(steps=32, seed=0):
    """Time and profile minidl's Adam against :class:`FusedAdam` on 1M parameters.

    Returns
    -------
    dict
        ``parameters`` (count), ``minidl_seconds`` and ``reference_seconds``
        (mean of ``steps`` updates each, after warm-up),
        ``minidl_peak_bytes`` and ``reference_peak_bytes`` (dict: parameter
        count -> bytes allocated at the peak of a step, for 1M and 4M
        parameters), ``allocation_growth`` and
        ``reference_allocation_growth`` (peak at 4M minus peak at 1M: zero
        when nothing grows with the parameters; a single temporary copy of
        even the smallest array would add kilobytes, of the largest 9 MB),
        and ``max_difference`` (largest gap between the two optimizers'
        parameters after the same three updates: both compute the same rule,
        so it must be at rounding level).
    """
    from minidl.optim import Adam

    params, grads = make_problem(seed)
    reference_params = {name: value.copy() for name, value in params.items()}
    minidl_adam, fused_adam = Adam(), FusedAdam(reference_params)
    for _ in range(3):
        minidl_adam.update(params, grads)
        fused_adam.update(reference_params, grads)
    difference = max(float(np.max(np.abs(params[name] - reference_params[name]))) for name in params)
    minidl_seconds, reference_seconds = time_in_turns(
        [(minidl_adam, params, grads), (fused_adam, reference_params, grads)], steps)
    peaks = {"minidl": {}, "reference": {}}
    for scale in (1, 4):
        problem_params, problem_grads = make_problem(seed, scale)
        count = sum(value.size for value in problem_params.values())
        peaks["minidl"][count] = peak_step_allocation(lambda _: Adam(), problem_params, problem_grads)
        peaks["reference"][count] = peak_step_allocation(FusedAdam, problem_params, problem_grads)
    counts = sorted(peaks["minidl"])
    return {
        "parameters": counts[0],
        "minidl_seconds": minidl_seconds,
        "reference_seconds": reference_seconds,
        "minidl_peak_bytes": peaks["minidl"],
        "reference_peak_bytes": peaks["reference"],
        "allocation_growth": peaks["minidl"][counts[1]] - peaks["minidl"][counts[0]],
        "reference_allocation_growth": peaks["reference"][counts[1]] - peaks["reference"][counts[0]],
        "max_difference": difference,
    }
