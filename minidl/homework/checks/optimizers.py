"""``check_optimizer``: does a student's optimizer take the same steps as the reference?

Two optimizers implementing the same update rule must produce the same
parameters, step after step, up to rounding. :func:`check_optimizer` trains
two identical small networks side by side, one with the student's optimizer
and one with a built-in reference, feeding both the very same gradients, and
reports the first step and the first parameter where they part, with a hint
read from the two steps. It also checks two pitfalls of the book's code that
no loss curve would reveal: a parameter replaced instead of updated in place,
and one optimizer mixing the state of two networks (a warning by default: it
is harmless with one optimizer per network).
"""

from __future__ import annotations

import inspect
import re

import numpy as np

from minidl import optim
from minidl.homework.checks.hints import close, proportional, ratio_hint
from minidl.homework.checks.report import CheckReport, compare_arrays, finish
from minidl.network import MLP
from minidl.optim import reference as rules

# The standard problem: small enough to run in milliseconds, large enough that
# every parameter gets a gradient of its own size and sign.
_INPUT_SIZE, _HIDDEN_SIZES, _CLASSES, _BATCH = 6, [5], 3, 16


def check_optimizer(cls, reference="adam", *, steps=20, seed=0, tolerance=1e-9, floor=1e-12,
                    raise_on_failure=False, two_networks="warn", **hyperparams):
    """Run a student's optimizer next to a reference one and report where they diverge.

    Parameters
    ----------
    cls : type or str
        The student's optimizer class (or its registered name). Instances are
        built as ``cls(**hyperparams)``; it needs ``update(params, grads)``
        changing ``params`` in place, as in the book. Subclassing
        :class:`minidl.optim.Optimizer` is not required.
    reference : str or type, default "adam"
        The rule the student's optimizer should equal: a registered name
        (``"rmsprop"``, ``"momentum"``, ... see ``minidl.optim.available()``)
        or a class. Built as ``minidl.optim.get(reference, **hyperparams)``.
    steps : int, default 20
        Number of updates compared.
    seed : int, default 0
        Seeds the standard problem (weights and data).
    tolerance : float, default 1e-9
        Largest relative error accepted between the two parameter sets.
    floor : float, default 1e-12
        Denominator floor of the relative error (see :func:`minidl.gradcheck.relative_error`).
    raise_on_failure : bool, default False
        Raise :class:`~minidl.homework.checks.CheckFailed` instead of returning a failing report.
    two_networks : {"warn", "fail", "skip"}, default "warn"
        What an optimizer that mixes the state of two networks gets (see
        Notes): a warning row, which leaves ``report.ok`` True (the book's
        optimizers are correct for one network), a failed row, or no check.
    **hyperparams
        Given to both optimizers, e.g. ``lr=0.01, decay_rate=0.9``. Give every
        hyperparameter whose default may differ between the two.

    Returns
    -------
    CheckReport
        When the steps part, the row says at which step and where, and a hint
        reads the two steps for the likely mistake: ``your step is 0.10x the
        reference step``, ``your step has the wrong sign``, a state not kept
        between steps, eps in the wrong place, hyperparameters that differ;
        and, below the table, the rule to match as
        :mod:`minidl.optim.reference` writes it (for minidl's own optimizers).
        An ``update`` that raises ``NotImplementedError`` gives the row "not
        implemented yet (TODO)".

    Notes
    -----
    **The standard problem.** A float64 :class:`minidl.MLP` (6 inputs, 5 ReLU
    units, 3 classes, seeded) and a fixed batch of 16 random samples. At each
    step the gradient is computed once, at the reference's parameters, and
    each optimizer receives its own copy. As long as the two agree the
    gradients are those each would have computed itself; after the first
    disagreement the comparison stops.

    **Why so tight a tolerance.** In float64 two correct implementations of
    the same rule, written in a different order, agree to about 1e-15. A real
    difference is far larger: eps inside instead of outside the square root,
    or a missing bias correction, gives relative errors from about 1e-8 to 1.

    **In place.** The layers of a network keep references to the arrays of
    ``params``. ``params[key] = params[key] - step`` binds a new array the
    layers never see, so the network would go on computing with its old
    weights; ``params[key] -= step`` changes the shared array.

    **Two networks.** An optimizer whose state is keyed only by parameter name
    (the book's ``self.h[key]``) mixes the state of two networks sharing it.
    We update two networks with one optimizer and compare with one optimizer
    each: the results agree, or the optimizer refuses the second network
    with an error (as :class:`minidl.optim.Optimizer` does), or the row
    warns. The book's way is right as long as each network has its own
    optimizer, so by default this is a warning, not a failure.
    """
    __tracebackhide__ = True  # a failing check in pytest shows its table, not this function's source
    if two_networks not in ("warn", "fail", "skip"):
        raise ValueError(f'two_networks must be "warn", "fail" or "skip"; got {two_networks!r}')
    make_student, student_name = _factory(cls, hyperparams, "cls")
    make_reference, reference_name = _factory(reference, hyperparams, "reference")
    settings = ", ".join(f"{key}={value!r}" for key, value in hyperparams.items())
    report = CheckReport(f"check_optimizer({student_name}) against {reference_name}({settings}), {steps} steps")
    try:
        student, reference_optimizer = make_student(), make_reference()
    except Exception as error:  # noqa: BLE001 - student code may fail in any way; report it
        report.add_error("construct", error, "building the optimizers")
        return finish(report, raise_on_failure)

    x, t = _standard_batch(seed)
    reference_network, student_network = _network(seed), _network(seed)
    originals = dict(student_network.params)
    initial = {key: array.copy() for key, array in reference_network.params.items()}
    allowance = _EpsPlacement.of(reference_optimizer)
    history = []
    diverged, replaced = None, []
    for step in range(1, steps + 1):
        before = {key: array.copy() for key, array in reference_network.params.items()}
        _, grads = reference_network.loss_and_gradient(x, t)
        history.append(_copies(grads))
        reference_optimizer.update(reference_network.params, _copies(grads))
        if allowance is not None:
            allowance.step(grads)
        try:
            student.update(student_network.params, _copies(grads))
        except Exception as error:  # noqa: BLE001
            report.add_error("update", error, f"step {step}: update")
            return finish(report, raise_on_failure)
        replaced += [key for key, array in student_network.params.items()
                     if array is not originals[key] and key not in replaced]
        for key, expected in reference_network.params.items():
            compared = student_network.params[key]
            if allowance is not None:
                compared = allowance.within(key, compared, expected, tolerance)
            passed, detail = compare_arrays(compared, expected, tolerance, floor,
                                            labels=("student", "reference"))
            if not passed:
                diverged = f"first divergence at step {step}, params[{key!r}]: {detail}"
                hint = _step_hint(student_network.params[key] - before[key], expected - before[key], grads[key],
                                  step, key, before, grads, make_reference, reference_optimizer)
                break
        if diverged:
            break
    report.add("updates in place", not replaced, "every array of params updated in place" if not replaced else (
        f"params {replaced} were replaced by new arrays; the network's layers still hold the old ones, "
        "so it would never learn. Write params[key] -= step, not params[key] = params[key] - step"))
    if diverged:
        differ = _hyperparameter_hint(student, reference_optimizer)
        # Not when the steps name a likelier cause (eps misplaced, lr missing, ...) than a bare ratio.
        # A default written as a number is named only when replaying the rule with it explains the steps
        # (see _non_default_hint); then it replaces a bare ratio or the guess about eps.
        settings_used = _non_default_hint(reference, hyperparams, student_network.params[key], key, initial,
                                          history)
        guess = not hint or re.fullmatch(r"your step is \S+x the reference step", hint) or hint == _EPS_HINT
        if settings_used and guess:
            hint = ""
        report.add("same steps as reference", False, diverged,
                   hint="; ".join(part for part in (hint, differ, settings_used) if part))
        report.notes += _reference_rule(reference_optimizer)
    else:
        allowed = "" if allowance is None else " (or within the difference eps makes in the efficient form)"
        report.add("same steps as reference", True, f"all {steps} steps agree within {tolerance:g}{allowed}")
    if two_networks != "skip":
        try:
            passed, detail = _check_two_networks(make_student, seed, x, t, tolerance, floor)
        except Exception as error:  # noqa: BLE001
            report.add_error("two networks", error, "updating two networks")
        else:
            hint = "" if passed else ("right as long as each network has its own optimizer; to share one, key "
                                      "the state by the parameter arrays, or refuse a second network as "
                                      "minidl.optim.Optimizer does")
            if passed or two_networks == "fail":
                report.add("two networks", passed, detail, hint=hint)
            else:
                report.warn("two networks", detail, hint=hint)
    try:
        report.add("float32 kept", *_check_float32(make_student, seed, x, t))
    except Exception as error:  # noqa: BLE001
        report.add_error("float32 kept", error, "updating a float32 network")
    return finish(report, raise_on_failure)


def _factory(spec, hyperparams, argument):
    """A function building a fresh optimizer from a class or a registered name, and a display name."""
    if isinstance(spec, str):
        return (lambda: optim.get(spec, **hyperparams)), spec
    if isinstance(spec, type):
        return (lambda: spec(**hyperparams)), spec.__name__
    raise TypeError(
        f"{argument} must be an optimizer class or a registered name; got {spec!r}. Pass the class itself "
        "(check_optimizer builds several fresh optimizers), e.g. check_optimizer(MyRMSprop, 'rmsprop', lr=0.01)"
    )


def _standard_batch(seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((_BATCH, _INPUT_SIZE)), rng.integers(0, _CLASSES, size=_BATCH)


def _network(seed, dtype=np.float64):
    return MLP(_INPUT_SIZE, _HIDDEN_SIZES, _CLASSES, dtype=dtype, seed=seed)


def _copies(grads):
    # Each optimizer gets its own arrays: one that changes grads in place must not change the other's.
    return {key: np.array(value, copy=True) for key, value in grads.items()}


def _reference_rule(reference_optimizer):
    """The note quoting the equation a built-in reference optimizer computes, as a list of 0 or 1 strings."""
    name = type(reference_optimizer).__name__.lower()
    if name not in rules.RULES or optim.available().get(name) is not type(reference_optimizer):
        return []  # a reference of the student's own (or a subclass): no equation of ours to quote
    return [f"The rule to match, as minidl.optim.reference.{name} writes it:\n\n{rules.source(name).rstrip()}"]


def _hyperparameter_hint(student, reference):
    """Name hyperparameters whose values differ between the two optimizers (a common cause)."""
    try:
        expected = reference.hyperparameters
    except (AttributeError, TypeError):
        return ""
    different = [f"{name} {getattr(student, name)!r} vs {value!r}" for name, value in expected.items()
                 if hasattr(student, name) and getattr(student, name) != value]
    return f"hyperparameters differ: {', '.join(different)}" if different else ""


def _step_hint(student_step, reference_step, grad, step, key, before, grads, make_reference, reference):
    """Read the two steps taken from the same point for the likely mistake (see minidl.homework.checks.hints)."""
    if not np.isfinite(student_step).all():
        return ""  # the report names the non-finite value already
    if not np.any(student_step):
        return f"your step is zero: params[{key!r}] did not change"
    if step > 1:
        # The step a brand-new optimizer takes from here: what a student's forgotten state gives.
        fresh, params = make_reference(), _copies(before)
        fresh.update(params, _copies(grads))
        if close(student_step, params[key] - before[key]):
            return (f"at step {step} your step is the one a brand-new optimizer would take: the state "
                    "(velocity, h, m, v) is not kept between steps. Update it in place (self.v[key] *= ...) "
                    "or store it back (self.v[key] = v)")
    hint = ratio_hint(student_step, reference_step, "your step", "the reference step")
    if hint:
        return (hint + _learning_rate_hint(student_step, reference_step, reference)
                + _bias_correction_hint(student_step, reference_step, step, reference))
    return _eps_hint(student_step, reference_step, grad)


def _learning_rate_hint(student_step, reference_step, reference):
    """A step 1/lr times too large (lr forgotten) or lr times too small (lr applied twice)."""
    lr = getattr(reference, "hyperparameters", {}).get("lr")
    ratio = proportional(student_step, reference_step)
    if ratio is None or not lr or abs(lr - 1) < 1e-3:
        return ""
    if abs(ratio * lr - 1) < 1e-3:
        return f"; is the learning rate missing? ({1 / lr:g} = 1 / lr)"
    if abs(ratio / lr - 1) < 1e-3:
        return f"; is the learning rate applied twice? ({lr:g} = lr)"
    return ""


def _non_default_hint(reference, hyperparams, student_value, key, initial, history):
    """The settings that the student's steps follow at their defaults: a number written in place of self.name.

    An update that writes ``0.99`` where ``self.decay_rate`` belongs is right
    with the default settings and wrong with any other. The hint names a
    setting only when the numbers show it: replayed from the same start on
    the same gradients, the rule with that one setting at its default must
    land at least ten times closer to the student's parameters than the rule
    with the check's settings does. A student whose steps differ for another
    reason (eps in another place, a missing term) is not told about defaults.
    """
    if not isinstance(reference, (str, type)):
        return ""
    cls = optim.available().get(reference) if isinstance(reference, str) else reference
    try:
        defaults = {name: parameter.default for name, parameter in inspect.signature(cls).parameters.items()
                    if parameter.default is not inspect.Parameter.empty}
    except (TypeError, ValueError):
        return ""
    changed = [name for name, value in hyperparams.items() if name in defaults and value != defaults[name]]
    distance_to_rule = np.abs(student_value - _replay(cls, hyperparams, key, initial, history)).max()
    suspects = []
    for name in changed:
        replayed = _replay(cls, {**hyperparams, name: defaults[name]}, key, initial, history)
        if np.abs(student_value - replayed).max() * 10 <= distance_to_rule:
            suspects.append(name)
    if not suspects:
        return ""
    used = ", ".join(f"{name}={hyperparams[name]!r} (default {defaults[name]!r})" for name in suspects)
    name = suspects[0]
    evidence = f" (your steps follow the rule with {name}={defaults[name]!r})"
    if len(suspects) == 1:
        return f"this check uses {used}: is {defaults[name]!r} written into your update instead of self.{name}?{evidence}"
    return (f"this check uses {used}: is a default written as a number in your update "
            f"({defaults[name]!r} instead of self.{name}, say)?{evidence}")


def _replay(cls, hyperparams, key, initial, history):
    """``params[key]`` after the optimizer ``cls(**hyperparams)`` took the steps of ``history`` from ``initial``."""
    params = _copies(initial)
    optimizer = cls(**hyperparams)
    for grads in history:
        optimizer.update(params, _copies(grads))
    return params[key]


class _EpsPlacement:
    """How far Adam's steps may move when eps is added in the paper's efficient form: an allowance an element.

    Kingma and Ba (section 2, end of Algorithm 1's discussion) fold both bias
    corrections into the step size, and the book's code does the same::

        lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t)
        W <- W - lr_t * m / (sqrt(v) + eps)

    With ``s = sqrt(1 - beta2**t)``, ``m_hat = m / (1 - beta1**t)`` and
    ``v_hat = v / s**2``, that step is ``lr * m_hat / (sqrt(v_hat) + eps / s)``:
    Algorithm 1's step with eps replaced by ``eps / s``. Said the other way,
    Algorithm 1 is the efficient form with the effective epsilon
    ``eps * s``. Both are Adam; they differ by exactly

    .. math:: \\Delta_t = lr\\,|\\hat m_t| \\left( \\frac{1}{\\sqrt{\\hat v_t} + \\epsilon}
              - \\frac{1}{\\sqrt{\\hat v_t} + \\epsilon / s_t} \\right)

    an element, a step; relative to the step that is
    ``(eps / s - eps) / (sqrt(v_hat) + eps / s) <= eps (1 / s - 1) / sqrt(v_hat)``.
    At step 1 with the defaults (``beta2 = 0.999``, ``eps = 1e-8``) ``1 / s``
    is 31.6, so a gradient of 0.4 gives a relative 7.9e-07, far above the
    1e-9 of rounding; it shrinks as ``s -> 1`` (``t`` in the thousands).

    Both optimizers receive the same gradients, so their moments ``m`` and
    ``v`` are the same arrays up to rounding and only the step formula
    differs: after ``k`` steps the two parameter sets differ by at most
    ``sum of Delta_t`` (the steps add up), computed here from the moments
    themselves. That sum is the allowance; nothing is tuned. A mistake
    changes the moments or the step by far more: no bias correction is a
    factor 3.16 at step 1, eps under the root a relative 1e-4 and more.
    """

    def __init__(self, lr, beta1, beta2, eps):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t, self.m, self.v, self.total = 0, {}, {}, {}

    @classmethod
    def of(cls, reference):
        """The allowance for minidl's Adam (or AdamW), else None: other rules have one form only."""
        name = type(reference).__name__.lower()
        if name not in ("adam", "adamw") or optim.available().get(name) is not type(reference):
            return None
        settings = reference.hyperparameters
        return cls(settings["lr"], settings["beta1"], settings["beta2"], settings["eps"])

    def step(self, grads):
        """Add this step's ``Delta_t`` to every element's allowance."""
        self.t += 1
        s = np.sqrt(1 - self.beta2**self.t)
        for key, grad in grads.items():
            grad = np.asarray(grad, dtype=np.float64)
            self.m[key] = self.beta1 * self.m.get(key, 0.0) + (1 - self.beta1) * grad
            self.v[key] = self.beta2 * self.v.get(key, 0.0) + (1 - self.beta2) * grad * grad
            m_hat, root = self.m[key] / (1 - self.beta1**self.t), np.sqrt(self.v[key]) / s
            delta = self.lr * np.abs(m_hat) * (1 / (root + self.eps) - 1 / (root + self.eps / s))
            self.total[key] = self.total.get(key, 0.0) + delta

    def within(self, key, student, reference, tolerance):
        """``student`` with the elements inside the allowance (plus rounding) set to the reference's values."""
        student = np.asarray(student, dtype=np.float64)
        slack = self.total.get(key, 0.0) + tolerance * (np.abs(student) + np.abs(reference))
        return np.where(np.abs(student - reference) <= slack, reference, student)


def _bias_correction_hint(student_step, reference_step, step, reference):
    """Adam without bias correction takes steps (1 - beta1) / sqrt(1 - beta2) times too large at step 1."""
    settings = getattr(reference, "hyperparameters", {})
    if step != 1 or "beta1" not in settings or "beta2" not in settings:
        return ""
    factor = (1 - settings["beta1"]) / np.sqrt(1 - settings["beta2"])
    ratio = proportional(student_step, reference_step)
    if ratio is None or abs(ratio / factor - 1) > 1e-3:
        return ""
    return f"; (1 - beta1) / sqrt(1 - beta2) = {factor:.2f}: is the bias correction missing?"


_EPS_HINT = ("the steps differ most where the gradient is smallest, where eps matters: is eps where the rule "
             "puts it (added to the square root, not under it), and is it self.eps (not a number of its own, "
             "such as the book's 1e-7)?")


def _eps_hint(student_step, reference_step, grad):
    """Differences that grow as the gradient shrinks point at eps (inside the root, or missing)."""
    errors = np.abs(student_step - reference_step) / np.maximum(np.abs(student_step) + np.abs(reference_step),
                                                                np.finfo(np.float64).tiny)
    small = np.abs(grad) <= np.median(np.abs(grad))
    if small.all() or not small.any() or errors[small].mean() <= 10 * errors[~small].mean():
        return ""
    return _EPS_HINT


def _check_two_networks(make_student, seed, x, t, tolerance, floor):
    """One optimizer for two networks must equal one optimizer each, or refuse the second network.

    Returns (passed, detail). The student's exceptions other than a refusal propagate.
    """
    shared_networks = [_network(seed), _network(seed + 1)]
    separate_networks = [_network(seed), _network(seed + 1)]
    shared, separate = make_student(), [make_student(), make_student()]
    for _step in range(1, 4):
        for index in range(2):
            _, grads = separate_networks[index].loss_and_gradient(x, t)
            separate[index].update(separate_networks[index].params, _copies(grads))
            _, grads = shared_networks[index].loss_and_gradient(x, t)
            try:
                shared.update(shared_networks[index].params, _copies(grads))
            except Exception as error:  # noqa: BLE001 - refusing a second network is a correct answer
                first_sentence = str(error).split(";")[0]
                return (True, f"refuses a second network ({type(error).__name__}: {first_sentence})")
    for index, label in enumerate("AB"):
        for key, expected in separate_networks[index].params.items():
            if not np.isfinite(expected).all():
                continue  # the update itself gives NaN or infinity: the steps row reports that
            passed, detail = compare_arrays(shared_networks[index].params[key], expected, tolerance, floor,
                                            labels=("shared", "own optimizer"))
            if not passed:
                return (False, f"one optimizer updating networks A and B mixes their state (it is keyed by "
                               f"parameter name only): network {label}'s params[{key!r}] after 3 steps, {detail}")
    return (True, "keeps a separate state for each network")


def _check_float32(make_student, seed, x, t):
    """Two steps on a float32 network: the parameters must stay float32."""
    network = _network(seed, np.float32)
    optimizer = make_student()
    for _ in range(2):
        _, grads = network.loss_and_gradient(x.astype(np.float32), t)
        optimizer.update(network.params, _copies(grads))
    wrong = [f"{key} became {array.dtype}" for key, array in network.params.items() if array.dtype != np.float32]
    return (not wrong, "float32 parameters stay float32" if not wrong else
            ", ".join(wrong) + "; update the arrays in place so they keep their dtype")
