"""The lessons docs/gallery.md draws from each figure, as checks of the figure's record.

A gallery record (``docs/gallery/NAME.json``) repeats bit for bit only in
the environment that made it (its ``environment``: numpy, the BLAS kernel,
threads, platform; see :mod:`minidl.environment`). Under another BLAS kernel
the last bit of a float32 product differs, and hundreds of training steps
grow it into other losses and accuracies. What must not change is what the
page says the figure shows. Each function below checks one such lesson on a
record (a fresh run's, under whatever kernel runs it) and returns ``None``
when it holds, or a sentence saying how it fails. ``LESSONS`` lists them per
figure, in the order of the page; ``tests/test_gallery.py`` runs them when
the environment differs from the committed record's.

The tolerances were measured by running every command of the page under the
OpenBLAS kernels ``SkylakeX``, ``Haswell``, ``Sandybridge`` and ``Nehalem``
on one machine (``python benchmarks/gallery_kernels.py``; next to a tolerance
the farthest any kernel came from the page's figure), with room to spare.
"""

from __future__ import annotations

import math


def _mean_loss(record, name, key="optimizers"):
    return record[key][name]["mean_final_training_loss"]


def _near(value, stated, relative):
    return abs(value - stated) <= relative * stated


# ---------------------------------------------------------------- 1. paths
def adagrad_gets_closest(record):
    """AdaGrad ends nearest the minimum, f ~ 0.0007 (float64, no BLAS product: identical everywhere)."""
    finals = {name: run["final_value"] for name, run in record["optimizers"].items()}
    best = min(finals, key=finals.get)
    if best != "adagrad" or not _near(finals["adagrad"], 0.0007, 0.1):
        return f"AdaGrad no longer gets closest at f = 0.0007: final values {finals}"
    return None


# ---------------------------------------------------------------- 2. compare
def optimizers_finish_in_the_stated_order(record):
    """Final training loss: SGD > Momentum > AdaGrad > Adam."""
    losses = {name: _mean_loss(record, name) for name in ("sgd", "momentum", "adagrad", "adam")}
    if not losses["sgd"] > losses["momentum"] > losses["adagrad"] > losses["adam"]:
        return f"the order SGD > Momentum > AdaGrad > Adam of the final training losses no longer holds: {losses}"
    return None


def final_losses_are_the_quoted_ones(record):
    """The page quotes 0.23, 0.011, 0.0030, 0.0019; within 15 % (measured: within 4 %)."""
    quoted = {"sgd": 0.23, "momentum": 0.011, "adagrad": 0.0030, "adam": 0.0019}
    off = {name: _mean_loss(record, name) for name, value in quoted.items()
           if not _near(_mean_loss(record, name), value, 0.15)}
    return f"the quoted final losses {quoted} no longer hold (within 15 %) for {off}" if off else None


# ---------------------------------------------------------------- 3. init
def small_init_stays_at_chance_and_he_beats_xavier(record):
    """std 0.01 stays at ln 10 = 2.30; He ends near 0.10, below Xavier near 0.30 (within 20 %; measured 4 %)."""
    small, xavier, he = (_mean_loss(record, name, "initialisations") for name in ("0.01", "xavier", "he"))
    if abs(small - math.log(10)) > 0.01:
        return f"std 0.01 no longer stays at ln 10 = 2.30 (final loss {small:.4f})"
    if not (he < xavier and _near(he, 0.10, 0.2) and _near(xavier, 0.30, 0.2)):
        return f"He ~0.10 below Xavier ~0.30 no longer holds (He {he:.4f}, Xavier {xavier:.4f})"
    return None


# ---------------------------------------------------------------- 4. activations
def _deviations(record):
    return {name: run["standard_deviation_per_layer"] for name, run in record["initialisations"].items()}


def sigmoid_spreads_as_described(record):
    """Std 1 piles at 0 and 1 (std > 0.4), std 0.01 sits at 0.5 (std < 0.03), Xavier between."""
    spread = _deviations(record)
    if not (min(spread["1.0"]) > 0.4 and max(spread["0.01"]) < 0.03
            and all(0.05 < value < 0.3 for value in spread["xavier"])):
        return f"the sigmoid spreads per layer no longer are as described: {spread}"
    return None


def relu_spreads_as_described(record):
    """ReLU: std 0.01 shrinks to ~2e-6 and Xavier to ~0.18 by layer 5; He stays between 0.8 and 1."""
    spread = _deviations(record)
    if not (_near(spread["0.01"][-1], 2e-6, 0.25) and _near(spread["xavier"][-1], 0.18, 0.05)
            and all(0.8 <= value <= 1.0 for value in spread["he"])):
        return f"the ReLU spreads per layer no longer are as described: {spread}"
    return None


# ---------------------------------------------------------------- 5. batchnorm
def batchnorm_learns_at_more_scales(record):
    """With batch norm, scales 0.5 to 0.002 reach >= 73 % and 0.05 to 0.002 >= 99 %; it wins at most scales.

    Without it only scales of about 0.1 to 0.3 learn (> 50 %), the two largest
    diverge (null) and the smallest stay at chance (about 11 %).
    """
    rows = record["final_train_accuracy"]
    failures = []
    for row in rows:
        scale, plain, normalised = row["weight_scale"], row["without_batchnorm"], row["with_batchnorm"]
        if 0.002 <= scale <= 0.55 and not normalised >= 0.73:
            failures.append(f"with batch norm, scale {scale:.3g} reaches only {normalised}")
        if 0.002 <= scale <= 0.05 and not normalised >= 0.985:  # "99-100 %", rounded
            failures.append(f"with batch norm, scale {scale:.3g} reaches {normalised}, not 99-100 %")
        learns = plain is not None and plain > 0.5
        if learns != (0.1 <= scale <= 0.3):
            failures.append(f"without batch norm, scale {scale:.3g} gives {plain}")
    if any(row["without_batchnorm"] is not None for row in rows[:2]):
        failures.append("the two largest scales no longer diverge without batch norm")
    wins = sum((row["without_batchnorm"] or 0.0) < row["with_batchnorm"] for row in rows)
    if wins <= len(rows) // 2:
        failures.append(f"batch norm trains better at only {wins} of {len(rows)} scales")
    return "batch normalisation's lesson no longer holds: " + "; ".join(failures) if failures else None


# ---------------------------------------------------------------- 6. overfit
def remedies_narrow_the_gap_and_raise_test_accuracy(record):
    """Plain: 100 % train, a gap of 5 to 11 points; weight decay and dropout: a smaller gap, a higher test accuracy."""
    plain, *remedies = record["configurations"]
    if plain["final_train_accuracy"] != 1.0 or not 0.05 <= plain["final_gap"] <= 0.11:
        return (f"the overfitting gap no longer is 100 % train with a 5-11 point gap: train "
                f"{plain['final_train_accuracy']}, gap {plain['final_gap']:.3f}")
    for remedy in remedies:
        if not (remedy["final_gap"] < plain["final_gap"]
                and remedy["final_test_accuracy"] > plain["final_test_accuracy"]):
            return (f"{remedy['name']} no longer narrows the gap and raises the test accuracy: gap "
                    f"{remedy['final_gap']:.3f} vs {plain['final_gap']:.3f}, test "
                    f"{remedy['final_test_accuracy']:.3f} vs {plain['final_test_accuracy']:.3f}")
    return None


# ---------------------------------------------------------------- 7. search
def search_best_region_is_lr_between_001_and_01(record):
    """The five best trials have lr in [0.01, 0.1] and reach >= 90 %; every lr below 1e-3 stays below 50 %."""
    ranking = record["ranking"]
    best = ranking[:5]
    if not all(0.01 <= trial["learning_rate"] <= 0.1 and trial["validation_accuracy"] >= 0.9 for trial in best):
        return "the search's best region (lr 0.01 to 0.1, >= 90 %) no longer holds: top five " + \
            ", ".join(f"lr {trial['learning_rate']:.3g} -> {trial['validation_accuracy']}" for trial in best)
    slow = [trial for trial in ranking if trial["learning_rate"] < 1e-3 and trial["validation_accuracy"] >= 0.5]
    if slow:
        return f"lr below 1e-3 no longer barely learns: {slow}"
    return None


# ---------------------------------------------------------------- 8. filters
def trained_filters_are_smooth_and_initial_ones_noise(record):
    """Mean neighbour correlation: initial within 0.1 of 0, trained above 0.3 with all 30 above 0; change > 5x.

    The initial filters come from the seeded generator alone (no BLAS
    product): -0.063 everywhere. Trained (measured under SkylakeX, Haswell,
    Sandybridge): 0.437, 30 of 30 above 0, a relative change of 13.2.
    """
    initial, trained = record["filters"]["initial"], record["filters"]["trained"]
    count = len(trained["neighbour_correlation"])
    if abs(initial["mean_neighbour_correlation"]) > 0.1:
        return f"the initial filters no longer look like noise: mean {initial['mean_neighbour_correlation']:.3f}"
    if not (trained["mean_neighbour_correlation"] > 0.3 and trained["positive_neighbour_correlation"] == count):
        return (f"the trained filters are no longer smooth: mean {trained['mean_neighbour_correlation']:.3f}, "
                f"{trained['positive_neighbour_correlation']} of {count} above 0")
    if not record["relative_change"] > 5:
        return f"training no longer dwarfs the initial weights: relative change {record['relative_change']:.3g}"
    return None


#: The lessons of each figure (file stem -> checks), in the order of docs/gallery.md.
LESSONS = {
    "paths": [adagrad_gets_closest],
    "compare": [optimizers_finish_in_the_stated_order, final_losses_are_the_quoted_ones],
    "init": [small_init_stays_at_chance_and_he_beats_xavier],
    "activations-sigmoid": [sigmoid_spreads_as_described],
    "activations-relu": [relu_spreads_as_described],
    "batchnorm": [batchnorm_learns_at_more_scales],
    "overfit": [remedies_narrow_the_gap_and_raise_test_accuracy],
    "search": [search_best_region_is_lr_between_001_and_01],
    "filters": [trained_filters_are_smooth_and_initial_ones_noise],
}


def broken_lessons(stem, record):
    """``(lesson, failure sentence)`` for each lesson of figure ``stem`` that ``record`` breaks (empty: all hold)."""
    return [(lesson, failure) for lesson in LESSONS[stem] if (failure := lesson(record)) is not None]
