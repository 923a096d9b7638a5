"""``check_network``: can this network be trained by minidl's optimizers and trainer?

A network, in the book's sense and in minidl's, is an object with a dict
``params`` (``W1, b1, ...``), a ``loss(x, t)``, a ``predict(x)`` returning
class scores, and a ``gradient(x, t)`` (or ``loss_and_gradient(x, t)``)
returning a dict with the keys of ``params``. :func:`check_network` checks
that contract end to end on a small random batch.
"""

from __future__ import annotations

import copy
import inspect
import math

import numpy as np

from minidl import optim
from minidl.gradcheck import float64_copy, gradient_pairs, relative_error
from minidl.homework.checks.hints import gradient_hint
from minidl.homework.checks.report import CheckReport, finish


def check_network(net, x=None, t=None, *, batch_size=4, seed=0, tolerance=1e-6, steps=10, lr=0.1,
                  raise_on_failure=False):
    """Check a network's shapes, dtypes, gradients and that SGD lowers its loss.

    Parameters
    ----------
    net : object
        A :class:`minidl.MLP` or a student's network with ``params``,
        ``predict(x)``, ``loss(x, t)`` and ``gradient(x, t)`` or
        ``loss_and_gradient(x, t)``. It is not changed: the checks run on copies.
    x, t : array_like, optional
        A small batch and its integer labels. By default ``batch_size``
        random samples are drawn, with as many features as ``net.input_size``
        (or the rows of ``params["W1"]``) and labels among the classes ``predict`` scores.
    batch_size : int, default 4
        Size of the random batch.
    seed : int, default 0
        Seeds the random batch.
    tolerance : float, default 1e-6
        Largest relative error accepted by the gradient check (float64).
    steps : int, default 10
        Steps of plain gradient descent in the "loss decreases" check.
    lr : float, default 0.1
        Their learning rate.
    raise_on_failure : bool, default False
        Raise :class:`~minidl.homework.checks.CheckFailed` instead of returning a failing report.

    Returns
    -------
    CheckReport
        A failed row carries a hint read from the numbers when it can, e.g.
        ``grads['b2'] is 4x the numerical gradient, and 4 is the batch size``
        or ``grads['W1'] has the shape of params['W2']: are two keys
        swapped?``. A method that raises ``NotImplementedError`` gives the
        row "not implemented yet (TODO)"; any other exception of the
        network's code is reported in its row, not raised.

    Notes
    -----
    The checks, in order:

    1. ``predict(x)`` has shape (N, classes) and the parameters' dtype;
    2. the gradient dict has exactly the keys of ``params``, each of its
       parameter's shape and dtype;
    3. ``steps`` updates of :class:`minidl.optim.SGD` on the batch lower the
       training loss. The network's random generator ``net.rng``, if any, is
       rewound before each loss so that dropout draws the same masks;
    4. the gradients equal finite differences of the loss
       (:func:`minidl.gradcheck.gradient_pairs`), at the weights so
       reached plus a little seeded noise (standard deviation 0.1). The check
       needs float64: a float32 :class:`minidl.Sequential` (an MLP, a
       network of one's own layers) is copied to float64 layer by layer
       with the same weights (:func:`minidl.gradcheck.float64_copy`);
       another float32 network is rebuilt from its ``config``, or, without
       ``config`` and ``from_config``, reported, not guessed at.

    **ReLU kinks.** A finite difference across the kink of a ReLU (an input
    within about ``h`` of 0) measures part of each slope and disagrees with
    a correct backward pass. Biases start at exactly 0, so a sample whose
    hidden units are all off would put the next ReLU exactly on its kink:
    hence the noise. Even then a point lands near some kink now and then (a
    few percent of the time for a small network), so a parameter is reported
    only if it fails at two independent points: a real bug fails at every point.
    """
    __tracebackhide__ = True  # a failing check in pytest shows its table, not this function's source
    net = copy.deepcopy(net)
    params = getattr(net, "params", None)
    if not isinstance(params, dict) or not params:
        raise TypeError(f"a network needs a non-empty dict `params` (W1, b1, ...); {type(net).__name__} has {params!r}")
    dtype = next(iter(params.values())).dtype
    report = CheckReport(f"check_network({type(net).__name__})")
    try:
        x, t = _batch(net, x, t, batch_size, seed, dtype)
        scores = net.predict(x)
    except Exception as error:  # noqa: BLE001 - any failure of student code is reported, not raised
        report.add_error("predict", error, "predict")
        return finish(report, raise_on_failure)

    classes = getattr(net, "output_size", None)
    shape_ok = (isinstance(scores, np.ndarray) and scores.ndim == 2 and scores.shape[0] == x.shape[0]
                and (classes is None or scores.shape[1] == classes))
    expected = f"({x.shape[0]}, {'classes' if classes is None else classes})"
    report.add("predict shape", shape_ok, f"{np.shape(scores)} for a batch of {x.shape[0]}" if shape_ok
               else f"predict returned shape {np.shape(scores)}; expected one row of class scores a sample, {expected}",
               hint="is the return statement missing?" if scores is None else "")
    report.add("predict dtype", getattr(scores, "dtype", None) == dtype, f"{getattr(scores, 'dtype', None)} "
               f"(parameters are {dtype})" + ("" if getattr(scores, "dtype", None) == dtype else
                                              "; a float64 constant or array slipped into the forward pass"))

    try:
        loss, grads = _loss_and_gradient(net, x, t)
    except _StudentError as error:
        report.add_error(error.method, error.__cause__, error.method)
        return finish(report, raise_on_failure)
    keys_ok = isinstance(grads, dict) and list(grads) == list(params)
    report.add("gradient keys", keys_ok, ", ".join(params) if keys_ok else (
        f"params has keys {list(params)} but the gradients have {list(grads) if isinstance(grads, dict) else grads!r}; "
        "return one gradient per parameter, under the same name and in the same order"))
    if not keys_ok:
        return finish(report, raise_on_failure)
    wrong = [key for key in params
             if np.shape(grads[key]) != params[key].shape or getattr(grads[key], "dtype", None) != dtype]
    report.add("gradient shapes and dtypes", not wrong, "each gradient matches its parameter" if not wrong
               else "; ".join(f"{key}: {np.shape(grads[key])} {getattr(grads[key], 'dtype', '')} for a parameter "
                              f"{params[key].shape} {params[key].dtype}" for key in wrong),
               hint="; ".join(filter(None, (_shape_hint(key, grads[key], params) for key in wrong))))
    report.add("loss", isinstance(loss, float) and math.isfinite(loss), f"{loss!r}" if isinstance(loss, float)
               and math.isfinite(loss) else f"loss returned {loss!r}; expected a finite Python float")
    if wrong:
        return finish(report, raise_on_failure)

    for name, check in (("loss decreases", lambda: _loss_decreases(net, x, t, steps, lr)),
                        ("gradient check", lambda: _gradient_check(net, x, t, dtype, tolerance, seed))):
        try:
            passed, detail, hint = check()
        except _StudentError as error:
            report.add_error(name, error.__cause__, error.method)
        except Exception as error:  # noqa: BLE001 - e.g. SGD refusing a NaN gradient, a loss returning an array
            report.add_error(name, error, "the check")
        else:
            report.add(name, passed, detail, hint=hint)
    return finish(report, raise_on_failure)


class _StudentError(Exception):
    """An exception raised by the network's own ``loss``/``gradient``, tagged with the method's name."""

    def __init__(self, method):
        super().__init__(method)
        self.method = method


def _batch(net, x, t, batch_size, seed, dtype):
    """The given batch, or a random one shaped for the network."""
    rng = np.random.default_rng(seed)
    if x is None:
        input_size = getattr(net, "input_size", None) or net.params["W1"].shape[0]
        x = rng.standard_normal((batch_size, input_size))
    x = np.asarray(x, dtype=dtype)
    if t is None:
        classes = getattr(net, "output_size", None) or net.predict(x).shape[1]
        t = rng.integers(0, classes, size=x.shape[0])
    return x, np.asarray(t)


def _loss_and_gradient(net, x, t):
    """``net.loss_and_gradient(x, t)``, or ``net.loss`` then ``net.gradient``; their errors tagged."""
    method = "loss_and_gradient" if hasattr(net, "loss_and_gradient") else "loss"
    try:
        if method == "loss_and_gradient":
            loss, grads = net.loss_and_gradient(x, t)
        else:
            loss = net.loss(x, t)
            method = "gradient"
            grads = net.gradient(x, t)
    except Exception as error:  # noqa: BLE001 - reported by check_network, with the method's name
        raise _StudentError(method) from error
    return (float(loss) if np.ndim(loss) == 0 else loss), grads


def _shape_hint(key, gradient, params):
    """Why a gradient has the wrong shape: transposed, or another parameter's."""
    shape = np.shape(gradient)
    if len(shape) == 2 and shape[::-1] == params[key].shape and shape[0] != shape[1]:
        return f"grads[{key!r}] has the transposed shape of params[{key!r}]"
    others = [other for other, value in params.items() if other != key and value.shape == shape]
    if others and params[key].shape != shape:
        return f"grads[{key!r}] has the shape of params[{others[0]!r}]: are two keys swapped?"
    return ""


def _takes_train(method):
    parameters = inspect.signature(method).parameters
    return "train" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


class _BookNetwork:
    """What :func:`minidl.gradcheck.gradient_pairs` needs, for a network whose ``loss`` has no ``train`` argument."""

    def __init__(self, net):
        self.params, self.net = net.params, net

    def loss(self, x, t, train=True):
        return self.net.loss(x, t)

    def gradient(self, x, t):
        return _loss_and_gradient(self.net, x, t)[1]


def _gradient_check(net, x, t, dtype, tolerance, seed):
    if dtype != np.float64:
        if not (hasattr(net, "_copy_in") or (hasattr(net, "config") and hasattr(net, "from_config"))):
            return (False, (f"parameters are {dtype}: finite differences need float64; "
                            "build the network with float64 parameters to check its gradients"), "")
        net, x = float64_copy(net), x.astype(np.float64)
    rng = np.random.default_rng(seed)
    reached = {key: param.copy() for key, param in net.params.items()}
    checked = net if _takes_train(net.loss) else _BookNetwork(net)
    errors = {}
    for _ in range(2):
        for key, param in net.params.items():
            # In place: the layers hold these very arrays.
            np.copyto(param, reached[key] + rng.normal(0.0, 0.1, size=param.shape))
        pairs = gradient_pairs(checked, x, t)
        attempt = {key: relative_error(*pair) for key, pair in pairs.items()}
        errors = {key: min(error, errors.get(key, np.inf)) for key, error in attempt.items()}
        if max(errors.values()) <= tolerance:
            break
    worst = max(errors, key=errors.get)
    if errors[worst] <= tolerance:
        return (True, f"largest relative error {errors[worst]:.1e} ({worst})", "")
    bad = [key for key, error in errors.items() if error > tolerance]
    return (False, (f"backpropagation disagrees with finite differences: relative errors "
                    f"{', '.join(f'{key} {errors[key]:.1e}' for key in bad)} (above {tolerance:g}); check the "
                    "backward pass of the layers these parameters belong to"),
            _gradient_hints(bad, pairs, x.shape[0], all_keys=list(errors)))


def _gradient_hints(keys, pairs, batch_size, all_keys):
    """One hint a mistake: keys whose gradients go wrong the same way are named together."""
    unread = [key for key in keys if np.abs(pairs[key][1]).max() <= 1e-6 * np.abs(pairs[key][0]).max()]
    hints = []
    if unread:
        changed = "any parameter" if unread == all_keys else " or ".join(f"params[{key!r}]" for key in unread)
        hints.append(f"the loss does not change when {changed} changes: the layers do not read the arrays of "
                     "params (do they hold copies?)")
    by_pattern = {}
    for key in keys:
        pattern = "" if key in unread else gradient_hint(*pairs[key], "{name}", batch_size=batch_size)
        if pattern:
            by_pattern.setdefault(pattern, []).append(key)
    for pattern, group in by_pattern.items():
        if len(group) == 1:
            name = f"grads[{group[0]!r}]"
        else:
            name = "every gradient" if group == all_keys else "each of " + ", ".join(f"grads[{key!r}]" for key in group)
        hints.append(pattern.replace("{name}", name))
    return "; ".join(hints)


def _loss_decreases(net, x, t, steps, lr):
    rng = getattr(net, "rng", None)
    state = copy.deepcopy(rng.bit_generator.state) if isinstance(rng, np.random.Generator) else None

    def loss_and_gradient():
        if state is not None:
            rng.bit_generator.state = state
        return _loss_and_gradient(net, x, t)

    optimizer = optim.SGD(lr=lr)
    first, _ = loss_and_gradient()
    for _ in range(steps):
        _, grads = loss_and_gradient()
        optimizer.update(net.params, grads)
    last, _ = loss_and_gradient()
    detail = f"{first:.4g} -> {last:.4g} after {steps} SGD steps (lr={lr:g})"
    if last < first:
        return (True, detail, "")
    if last == first:
        return (False, detail + "; the loss did not change at all", (
            "the layers do not see the updated params (do they hold copies of the arrays?), "
            "or every gradient is zero"))
    return (False, detail, "do the layers read the arrays of params (updated in place), and do the "
                           "gradients point uphill?")
