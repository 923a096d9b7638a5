"""The checks of the exercises that prepare training: mini-batches and weight initialisation.

Neither has one right array to compare with: any permutation is a fine
shuffle, any draw of the right distribution a fine initialisation. So the
checks test properties: every sample once an epoch with its own target,
the batch sizes, that the generator given (and only it) decides the order;
the shape and spread of the weights, and that the same generator state gives
the same weights.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from minidl.homework.checks import CheckReport
from minidl.homework.exercise import Check, Exercise, student_attribute, unlike


def _global_state():
    """The global np.random generator's state, as a comparable tuple: its key array *and* its position.

    The key array alone changes only every 624 draws (when MT19937 refills
    it); a few draws move only the position.
    """
    _, key, position, has_gauss, cached = np.random.get_state()
    return tuple(key.tolist()), position, has_gauss, cached


# ============================================================ mini-batches
def _data(samples, one_hot=False, classes=3):
    """Inputs whose first column is the sample's number, and targets computed from that number."""
    x = np.stack([np.arange(samples, dtype=np.float64), np.arange(samples) * 0.5], axis=1)
    labels = np.arange(samples) % classes
    return x, (np.eye(classes)[labels] if one_hot else labels)


def _epoch(module, x, t, batch_size, rng):
    batches = student_attribute(module, "minibatches")(x.copy(), t.copy(), batch_size, rng)
    return [(np.asarray(x_batch), np.asarray(t_batch)) for x_batch, t_batch in batches]


def _partition_rows(report, batches, x, t, batch_size):
    """Rows: each sample exactly once, with its own target; the batch sizes."""
    samples = len(x)
    if not batches:
        report.add("every sample once", False, "no batch at all")
        return
    numbers = np.concatenate([x_batch[:, 0] for x_batch, _ in batches]).astype(int)
    once = sorted(numbers.tolist()) == list(range(samples))
    counts = np.bincount(numbers, minlength=samples)
    report.add("every sample once", once, f"all {samples} samples, each once" if once else (
        f"{len(numbers)} rows in all; sample {int(np.argmax(counts != 1))} comes {int(counts.max())} times or "
        "not at all. Shuffle once (a permutation), then cut: every sample must come exactly once an epoch"))
    paired = all(np.array_equal(t_batch, t[x_batch[:, 0].astype(int)]) for x_batch, t_batch in batches)
    report.add("targets stay with their inputs", paired, "each t row belongs to its x row" if paired else
               "a target is paired with another sample's input; apply the same permutation to x and t")
    sizes = [len(x_batch) for x_batch, _ in batches]
    expected = [batch_size] * (samples // batch_size) + ([samples % batch_size] if samples % batch_size else [])
    report.add("batch sizes", sizes == expected, f"{sizes}" if sizes == expected else (
        f"{sizes}, expected {expected}: consecutive slices of batch_size rows, the last one holding the rest"))


def partition(module, rng, hidden=False):
    if hidden:
        samples = unlike(23, lambda: int(rng.integers(2, 41)))
        batch_size, one_hot = int(rng.integers(1, samples + 4)), True
    else:
        samples, batch_size, one_hot = 23, 5, False
    x, t = _data(samples, one_hot)
    report = CheckReport(f"minibatches(x, t, batch_size={batch_size}, rng) with {samples} samples")
    _partition_rows(report, _epoch(module, x, t, batch_size, np.random.default_rng(int(rng.integers(2**31)))),
                    x, t, batch_size)
    return report


def shuffled_by_rng(module, rng):
    x, t = _data(23)
    seed = int(rng.integers(2**31))
    report = CheckReport("minibatches(x, t, 5, rng): the order comes from rng, and only from it")
    global_state = _global_state()
    first = _epoch(module, x, t, 5, np.random.default_rng(seed))
    again = _epoch(module, x, t, 5, np.random.default_rng(seed))
    generator = np.random.default_rng(seed + 1)
    one, two = _epoch(module, x, t, 5, generator), _epoch(module, x, t, 5, generator)

    def order(batches):
        return np.concatenate([x_batch[:, 0] for x_batch, _ in batches]).tolist() if batches else []

    report.add("shuffled", order(first) != list(range(23)), "the samples come in a new order"
               if order(first) != list(range(23)) else "the samples come in their stored order; shuffle them first")
    report.add("same seed, same batches", order(first) == order(again), "repeatable" if order(first) == order(again)
               else "two generators with the same seed gave different orders; draw only from rng")
    report.add("a new order each epoch", order(one) != order(two), "two epochs from one generator differ"
               if order(one) != order(two) else "two epochs from the same generator came in the same order; "
               "draw the permutation from rng at each call, don't re-seed")
    untouched = _global_state() == global_state
    report.add("np.random left alone", untouched, "the global generator was not used" if untouched else
               "the global np.random generator was used; draw from rng (rng.permutation), so runs repeat exactly")
    return report


# ============================================================ initialisation
def _spread_rows(report, weights, fan_in, fan_out, std, rule):
    if not isinstance(weights, np.ndarray) or weights.shape != (fan_in, fan_out):
        report.add("shape", False, f"got {type(weights).__name__} of shape {np.shape(weights)}, "
                                   f"expected (fan_in, fan_out) = {(fan_in, fan_out)}")
        return
    report.add("shape", True, f"{weights.shape}")
    count = weights.size
    mean, spread = float(weights.mean()), float(weights.std())
    # The sample mean and standard deviation of `count` normal numbers are within
    # 6 standard errors (std / sqrt(count), std / sqrt(2 count)) all but once in 10^8 times.
    report.add("mean 0", abs(mean) <= 6 * std / math.sqrt(count), f"mean {mean:.3g}")
    close = abs(spread - std) <= max(6 * std / math.sqrt(2 * count), 0.01 * std)
    report.add("standard deviation", close, f"{spread:.4g}, expected {rule} = {std:.4g}" + ("" if close else (
        f" (yours is {spread / std:.3g} times that; is it sqrt of the variance, with fan_in = {fan_in}?)")))


def _sizes(rng, hidden):
    return unlike((300, 100), lambda: (int(rng.integers(100, 401)), int(rng.integers(100, 401)))) if hidden \
        else (300, 100)


def initial_spread(module, rng, function, factor, hidden=False):
    fan_in, fan_out = _sizes(rng, hidden)
    report = CheckReport(f"{function}(fan_in={fan_in}, fan_out={fan_out}, rng)")
    weights = student_attribute(module, function)(fan_in, fan_out, np.random.default_rng(int(rng.integers(2**31))))
    _spread_rows(report, weights, fan_in, fan_out, math.sqrt(factor / fan_in), f"sqrt({factor:g} / fan_in)")
    return report


def initial_reproducible(module, rng):
    seed = int(rng.integers(2**31))
    report = CheckReport("he_normal and xavier_normal draw from rng, and only from it")
    global_state = _global_state()
    for function in ("he_normal", "xavier_normal"):
        draw = student_attribute(module, function)
        first, again = draw(20, 10, np.random.default_rng(seed)), draw(20, 10, np.random.default_rng(seed))
        other = draw(20, 10, np.random.default_rng(seed + 1))
        same = np.array_equal(first, again)
        report.add(f"{function}: same seed, same weights", same, "repeatable" if same
                   else "two generators with the same seed gave different weights; draw only from rng")
        report.add(f"{function}: other seed, other weights", not np.array_equal(first, other),
                   "different" if not np.array_equal(first, other) else "another seed gave the same weights")
    untouched = _global_state() == global_state
    report.add("np.random left alone", untouched, "the global generator was not used" if untouched else
               "the global np.random generator was used; draw from rng (rng.normal)")
    return report


# ============================================================ the exercises
MINIBATCHES = Exercise("minibatches", "Mini-batches by shuffle-and-partition", 6, "minibatches.py", (
    Check("every sample once, in batches", 5, False, partition),
    Check("shuffled by rng", 2, False, shuffled_by_rng),
    Check("other sizes, one-hot targets", 3, True, partial(partition, hidden=True)),
))

INITIALISATION = Exercise("initialisation", "He and Xavier initialisation", 6, "initialisation.py", (
    Check("He: shape and spread", 1, False, partial(initial_spread, function="he_normal", factor=2)),
    Check("Xavier: shape and spread", 1, False, partial(initial_spread, function="xavier_normal", factor=1)),
    Check("drawn from rng", 1, False, initial_reproducible),
    Check("He, other sizes", 1, True, partial(initial_spread, function="he_normal", factor=2, hidden=True)),
    Check("Xavier, other sizes", 1, True, partial(initial_spread, function="xavier_normal", factor=1, hidden=True)),
))
