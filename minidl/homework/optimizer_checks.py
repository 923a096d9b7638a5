"""The checks of the optimizer exercises: SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam.

Each student optimizer runs next to minidl's own, on the same small network
and the same gradients (:func:`minidl.homework.checks.check_optimizer`): same steps,
updates in place, float32 kept. The visible check uses the usual
hyperparameters; the hidden one draws them (and the problem) from the
grader's seed, so an optimizer that ignores an argument is caught.

The checks leave out check_optimizer's "two networks" row
(``two_networks="skip"``): the starter files keep the state by parameter
name (``self.v[key]``), as the book does, which is right for one network an
optimizer; a warning about a design the homework prescribes would only
puzzle the student.
"""

from __future__ import annotations

from functools import partial

from minidl.homework.checks import check_optimizer
from minidl.homework.exercise import Check, Exercise, student_attribute, uniform, unlike


def same_steps(module, rng, class_name, reference, settings):
    """``settings`` is a dict of hyperparameters (visible) or a function drawing them from ``rng`` (hidden)."""
    hyperparameters = settings(rng) if callable(settings) else settings
    seed = int(rng.integers(2**31)) if callable(settings) else 0
    return check_optimizer(student_attribute(module, class_name), reference, seed=seed, two_networks="skip",
                           **hyperparameters)


def _momentum_settings(rng):
    return {"lr": uniform(rng, 0.005, 0.2), "momentum": uniform(rng, 0.5, 0.95)}


def _optimizer_exercise(name, class_name, reference, title, visible, drawn, points=(3, 2)):
    def other_settings(rng):
        # Every drawn setting differs from the visible one (eps is not drawn), so none can be hard-coded.
        return unlike(lambda settings: any(settings[key] == visible[key] for key in settings if key != "eps"),
                      lambda: drawn(rng))

    return Exercise(name, title, 6, f"{name}.py", (
        Check("same steps as minidl's", points[0], False,
              partial(same_steps, class_name=class_name, reference=reference, settings=visible)),
        Check("same steps, other hyperparameters", points[1], True,
              partial(same_steps, class_name=class_name, reference=reference, settings=other_settings)),
    ))


SGD = _optimizer_exercise("sgd", "SGD", "sgd", "SGD: W <- W - lr g", {"lr": 0.01},
                          lambda rng: {"lr": uniform(rng, 0.005, 0.2)})
MOMENTUM = _optimizer_exercise("momentum", "Momentum", "momentum", "Momentum: a velocity that builds up",
                               {"lr": 0.01, "momentum": 0.9}, _momentum_settings)
NESTEROV = _optimizer_exercise("nesterov", "Nesterov", "nesterov", "Nesterov: momentum that looks ahead",
                               {"lr": 0.01, "momentum": 0.9}, _momentum_settings)
ADAGRAD = _optimizer_exercise("adagrad", "AdaGrad", "adagrad", "AdaGrad: steps divided by the root of a sum of g^2",
                              {"lr": 0.01, "eps": 1e-7}, lambda rng: {"lr": uniform(rng, 0.005, 0.1), "eps": 1e-7})
RMSPROP = _optimizer_exercise("rmsprop", "RMSprop", "rmsprop", "RMSprop: a moving average of g^2",
                              {"lr": 0.01, "decay_rate": 0.99, "eps": 1e-7},
                              lambda rng: {"lr": uniform(rng, 0.001, 0.05), "decay_rate": uniform(rng, 0.8, 0.999),
                                           "eps": 1e-7})
ADAM = _optimizer_exercise("adam", "Adam", "adam", "Adam: both moments, bias-corrected",
                           {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
                           lambda rng: {"lr": uniform(rng, 1e-4, 0.01), "beta1": uniform(rng, 0.7, 0.95),
                                        "beta2": uniform(rng, 0.9, 0.999), "eps": 1e-8},
                           points=(6, 4))
