"""``check_layer``: is a layer's backward pass the derivative of its forward pass?

A student writes a layer as a class with ``forward(x)`` and ``backward(dout)``
(the shape of the book "Deep Learning from Scratch" and of
:mod:`minidl.layers`), or a loss layer with ``forward(x, t)`` and
``backward(dout=1)`` (the book's ``SoftmaxWithLoss``). This module checks it
the way a grader would: it compares every gradient of ``backward`` with a
finite-difference estimate from ``forward``, and checks shapes, dtypes, and
that neither pass changes the arrays it was given. When a gradient is wrong,
the numbers are read for the likely mistake (:mod:`minidl.homework.checks.hints`).
"""

from __future__ import annotations

import copy
import inspect

import numpy as np

from minidl.gradcheck import numerical_gradient
from minidl.homework.checks.hints import gradient_hint
from minidl.homework.checks.report import CheckReport, compare_arrays, finish
from minidl.settings import COUNT

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def check_layer(layer, input_shape, *, parameters=None, train=True, seed=0, tolerance=None, floor=1e-5,
                h=1e-4, raise_on_failure=False, t=None):
    """Check a layer's ``backward`` against numerical gradients of its ``forward``.

    Parameters
    ----------
    layer : object
        Has ``forward(x)`` (or ``forward(x, train=...)``) returning an array,
        and ``backward(dout)`` returning the gradient with respect to ``x``
        and storing each parameter's gradient as an attribute. A *loss layer*
        has ``forward(x, t)`` returning the loss, a number, and
        ``backward(dout=1)``. It is not changed: the checks run on copies.
    input_shape : tuple of int
        Shape of the test input, e.g. ``(4, 3)`` for a batch of 4 samples of 3
        features (for a loss layer: 4 samples of scores for 3 classes). Keep
        it small: the check costs two forward passes per input element and
        per parameter element.
    parameters : list of str, optional
        Names of the parameter attributes to check, e.g. ``["W", "b"]``. By
        default they are discovered (see Notes).
    train : bool, default True
        Passed to ``forward`` as ``train=`` when it accepts that argument.
    seed : int, default 0
        Seeds the random input, the random upstream gradient ``dout`` and the
        random labels.
    tolerance : float, optional
        Largest relative error accepted between analytic and numerical
        gradients: by default 1e-6, and 1e-4 for a loss layer (see Notes).
    floor : float, default 1e-5
        Denominator floor of the relative error (see :func:`minidl.gradcheck.relative_error`).
    h : float, default 1e-4
        Finite-difference step.
    raise_on_failure : bool, default False
        Raise :class:`~minidl.homework.checks.CheckFailed` instead of returning a failing report.
    t : {"labels", "one-hot"} or array_like, optional
        The targets of a loss layer: ``"labels"`` draws random integer labels
        (shape ``input_shape[:-1]``), ``"one-hot"`` the same labels as one-hot
        rows, or give the array itself. A loss layer is recognised by its
        ``forward`` taking a second argument without a default; its targets
        default to ``"labels"``. Check both forms to check a layer that
        accepts both, as the book's does.

    Returns
    -------
    CheckReport
        ``report.ok`` is True when everything passed; ``print(report)`` shows a
        table such as ``FAIL gradient db  max relative error 6.0e-01 at index (1,) ...``
        followed, when the numbers show it, by a hint such as ``db is the mean
        of dout over axis 0 (the batch) instead of its sum``. A method that
        raises ``NotImplementedError`` gives the row "not implemented yet (TODO)".

    Notes
    -----
    **The scalar being differentiated.** A layer maps ``x`` to ``out``. We draw
    a random ``dout`` of ``out``'s shape and differentiate

    .. math:: L(x, \\theta) = \\sum_i \\text{out}_i \\, \\text{dout}_i

    whose gradient is exactly what ``backward(dout)`` must return (for
    ``x``) and store (for each parameter :math:`\\theta`), by the chain rule.
    A loss layer's output is already a scalar, :math:`L = \\text{loss}(x, t)`,
    and ``backward`` is called with its default ``dout = 1``. Every numerical
    gradient is a central difference of :math:`L`, computed in float64 (the
    layer's floating-point arrays are copied to float64 first).

    **Loss layers: why 1e-4.** The book's cross-entropy adds ``1e-7`` inside
    the logarithm, so its loss is :math:`-\\log(y_t + 10^{-7})` while its
    backward pass, ``(y - t) / N``, is the gradient of :math:`-\\log y_t`.
    The two differ by a relative :math:`10^{-7} / y_t`: up to 1e-5 when a
    true class gets 1 % of the probability. A real mistake (a missing
    division by ``N``, a wrong sign) gives errors of 0.1 to 1.

    **Finding the parameters.** Following the book's convention, a parameter
    is an attribute ``X`` holding a floating-point array together with an
    attribute ``dX`` for its gradient (``W``/``dW``, ``b``/``db``,
    ``gamma``/``dgamma``). The cached input (``self.x``) and targets
    (``self.t``) are not parameters even if a ``dx`` attribute exists. Pass
    ``parameters=[...]`` to name them yourself.

    **Random layers (dropout).** Every ``numpy.random.Generator`` the layer
    keeps as an attribute is rewound to the same state before each call of
    ``forward``, so every call draws the same mask and the finite
    differences measure the input, not the luck of the draw. A layer using
    the global ``np.random`` functions cannot be rewound: the report then
    says that two identical calls gave different outputs.

    **dtype.** The layer is also run once in float32 (input, ``dout``, one-hot
    targets and its arrays), and the output and every gradient must stay
    float32: a float64 constant slipping in would silently double the memory
    of a network. (A loss may be any float: it is one number.)
    """
    __tracebackhide__ = True  # a failing check in pytest shows its table, not this function's source
    input_shape = _check_shape(input_shape)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(input_shape)
    layer64 = _copy_with_dtype(layer, np.float64)
    targets = _targets(t, input_shape, rng) if _is_loss_layer(layer64, t) else None
    is_loss = targets is not None
    if tolerance is None:
        tolerance = 1e-4 if is_loss else 1e-6
    subject = f"check_layer({type(layer).__name__}) on input shape {input_shape}"
    report = CheckReport(subject + (f", t as {_describe_targets(targets)}" if is_loss else ""))
    generators = _generators(layer64)
    forward = _forward_function(layer64, train, targets)
    error_hint = _targets_hint(targets) if is_loss else ""

    def run_forward(inputs):
        for generator, state in generators:
            generator.bit_generator.state = state
        return forward(inputs)

    # --- forward: returns an array (a loss: a number), leaves its inputs alone, is repeatable
    x_before, t_before = x.copy(), copy.copy(targets)
    try:
        out = run_forward(x)
        x_changed = not np.array_equal(x, x_before)
        t_changed = is_loss and not np.array_equal(targets, t_before)
        x[...] = x_before
        if t_changed:
            targets[...] = t_before
        repeat = run_forward(x)
    except Exception as error:  # noqa: BLE001 - any failure of student code is reported, not raised
        report.add_error("forward", error, "forward", hint=error_hint)
        return finish(report, raise_on_failure)
    if not _output_row(report, out, is_loss):
        return finish(report, raise_on_failure)
    report.add("forward keeps x", not x_changed, "forward changed its input x in place; compute into a new array"
               if x_changed else "input unchanged")
    if is_loss:
        report.add("forward keeps t", not t_changed, "forward changed the targets t in place; work on a copy"
                   if t_changed else "targets unchanged")
    x[...] = x_before
    repeatable = np.shape(repeat) == np.shape(out) and np.array_equal(repeat, out)
    report.add("forward repeatable", repeatable, "same output for the same input" if repeatable else (
        "two calls with the same input gave different outputs; draw random numbers from a "
        "numpy Generator stored on the layer (self.rng), not from np.random"))
    if not repeatable:
        return finish(report, raise_on_failure)

    # --- backward: the analytic gradients, with shapes checked
    dout = None if is_loss else rng.standard_normal(out.shape)
    dout_before = copy.copy(dout)
    run_forward(x)
    try:
        dx = _backward_function(layer64, is_loss)(dout)
    except Exception as error:  # noqa: BLE001
        report.add_error("backward", error, "backward", hint=error_hint)
        return finish(report, raise_on_failure)
    dx = None if dx is None else np.array(dx, dtype=np.float64)
    if not is_loss:
        kept = np.array_equal(dout, dout_before)
        report.add("backward keeps dout", kept, "dout unchanged" if kept else (
            "backward changed dout in place (as the book's `dout[mask] = 0` does), which corrupts the "
            "caller's array; return a new one, e.g. dout * mask"))
        dout = dout_before
    names = _parameter_names(layer64, parameters, (x, targets), report)
    # Copies: nothing the layer does later can change what backward reported.
    analytic = {name: copy.copy(getattr(layer64, "d" + name, None)) for name in names}

    # --- numerical gradients of L = sum(forward(x) * dout), or of the loss itself
    def objective(_):
        out = run_forward(x)
        return float(out) if is_loss else float(np.sum(out * dout))

    def compare(name, gradient, point, expected_shape_of):
        numerical = numerical_gradient(objective, point, h=h)
        hint = gradient_hint(gradient, numerical, name, dout=dout, batch_size=input_shape[0])
        if gradient.shape != point.shape:
            return report.add(f"gradient {name}", False, f"after backward, {name} is of shape {gradient.shape}; "
                              f"expected an array of {expected_shape_of} shape {point.shape}", hint=hint)
        passed, detail = compare_arrays(gradient, numerical, tolerance, floor)
        return report.add(f"gradient {name}", passed, detail, hint="" if passed else hint)

    if dx is None:
        skipped = getattr(layer64, "needs_input_gradient", True) is False
        report.add("gradient dx", skipped, "skipped: needs_input_gradient is False" if skipped
                   else "backward returned None; it must return the gradient with respect to x")
    else:
        compare("dx", dx, x, "x's")
    for name, gradient in analytic.items():
        parameter = getattr(layer64, name)
        if not isinstance(gradient, (np.ndarray, np.floating, float)):
            found = "None" if gradient is None else f"a {type(gradient).__name__}"
            report.add(f"gradient d{name}", False, f"after backward, d{name} is {found}; "
                       f"expected an array of {name}'s shape {parameter.shape}")
            continue
        compare("d" + name, np.array(gradient, dtype=np.float64), parameter, f"{name}'s")

    _check_float32(layer, train, x, dout, targets, names, report)
    return finish(report, raise_on_failure)


def _check_shape(input_shape):
    try:
        shape = tuple(input_shape)
    except TypeError as error:
        raise TypeError(f"input_shape must be a tuple of ints such as (4, 3); got {input_shape!r}") from error
    if not shape or not all(COUNT.accepts(size) for size in shape):
        raise ValueError(f"input_shape must be a non-empty tuple of positive ints such as (4, 3); got {input_shape!r}")
    return tuple(map(int, shape))


def _copy_with_dtype(layer, dtype):
    """A deep copy of ``layer`` whose floating-point array attributes are converted to ``dtype``."""
    if not (callable(getattr(layer, "forward", None)) and callable(getattr(layer, "backward", None))):
        raise TypeError(f"a layer needs forward(x) and backward(dout) methods; {type(layer).__name__} lacks one")
    twin = copy.deepcopy(layer)
    for name, value in vars(twin).items():
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            setattr(twin, name, value.astype(dtype))
    return twin


def _generators(layer):
    """(generator, its current state) for every numpy Generator attribute of the layer."""
    return [(value, copy.deepcopy(value.bit_generator.state))
            for value in vars(layer).values() if isinstance(value, np.random.Generator)]


# ==================================================================== loss layers
def _is_loss_layer(layer, t):
    """True when ``forward`` needs a second argument (the targets), or targets are given."""
    parameters = [p for p in inspect.signature(layer.forward).parameters.values()
                  if p.kind in _POSITIONAL and p.name != "train"]
    required = [p for p in parameters if p.default is inspect.Parameter.empty]
    if t is not None and len(parameters) < 2:
        raise TypeError(f"t is given, but {type(layer).__name__}.forward takes no targets; t is for a loss "
                        "layer, whose forward is forward(x, t)")
    return t is not None or len(required) >= 2


def _targets(t, input_shape, rng):
    """The targets of a loss layer: random labels, the same labels one-hot, or the array given."""
    if t is None or isinstance(t, str):
        if t not in (None, "labels", "one-hot"):
            raise ValueError(f't must be "labels", "one-hot" or an array of targets; got {t!r}')
        labels = rng.integers(0, input_shape[-1], size=input_shape[:-1])
        return np.eye(input_shape[-1])[labels] if t == "one-hot" else labels
    return np.array(t)


def _describe_targets(targets):
    if targets.dtype.kind in "iu":
        return f"labels of shape {targets.shape}"
    return f"one-hot rows of shape {targets.shape}" if targets.ndim >= 2 else f"an array of shape {targets.shape}"


def _targets_hint(targets):
    other = '"one-hot"' if targets.dtype.kind in "iu" else '"labels"'
    return (f"t here is {_describe_targets(targets)}; a loss layer should take integer labels and one-hot rows "
            f"alike (check the other form with t={other})")


def _output_row(report, out, is_loss):
    """The row on what forward returned; False when nothing further can be checked."""
    if is_loss:
        if np.ndim(out) == 0 and isinstance(out, (float, np.floating, np.ndarray)) and np.isfinite(out):
            return report.add("forward output", True, f"a loss of {float(out):.4g}")
        what = f"an array of shape {np.shape(out)}" if np.ndim(out) else repr(out)
        return report.add("forward output", False, f"forward returned {what}; a loss layer returns one finite "
                          "number, the mean loss over the batch")
    if not isinstance(out, np.ndarray):
        hint = "is the return statement missing?" if out is None else ""
        return report.add("forward output", False, f"forward returned {type(out).__name__}, expected a numpy "
                          "array", hint=hint)
    return report.add("forward output", True, f"shape {out.shape}, dtype {out.dtype}")


# ==================================================================== calling the layer
def _forward_function(layer, train, targets=None):
    """``forward`` called with ``train=`` when it takes that argument (minidl), without it otherwise (the book).

    For a loss layer, the targets are passed as the second argument.
    """
    parameters = inspect.signature(layer.forward).parameters
    takes_train = "train" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    extra = () if targets is None else (targets,)
    if takes_train:
        return lambda inputs: layer.forward(inputs, *extra, train=train)
    return lambda inputs: layer.forward(inputs, *extra)


def _backward_function(layer, is_loss):
    """``backward(dout)``; for a loss layer ``backward()``, or ``backward(1.0)`` when dout has no default."""
    if not is_loss:
        return layer.backward
    parameters = [p for p in inspect.signature(layer.backward).parameters.values() if p.kind in _POSITIONAL]
    if parameters and parameters[0].default is inspect.Parameter.empty:
        return lambda _: layer.backward(1.0)
    return lambda _: layer.backward()


def _parameter_names(layer, parameters, inputs, report):
    """Names of the layer's parameters: given, or every float array ``X`` with a sibling ``dX``."""
    attributes = vars(layer)
    if parameters is not None:
        names = [parameters] if isinstance(parameters, str) else list(parameters)
        arrays = sorted(name for name, value in attributes.items() if isinstance(value, np.ndarray))
        missing = [name for name in names if name not in arrays]
        if missing:
            raise ValueError(f"parameters names {missing}, but the layer has no such array attribute; "
                             f"its array attributes are {arrays}")
        return names
    inputs = [array for array in inputs if array is not None]
    names = [name for name, value in attributes.items()
             if isinstance(value, np.ndarray) and value.dtype.kind == "f" and "d" + name in attributes
             and not any(np.shares_memory(value, array) for array in inputs)]
    report.add("parameters", True, ", ".join(names) if names else
               "none found (a parameter is an array attribute X with a gradient attribute dX)")
    return names


def _check_float32(layer, train, x, dout, targets, names, report):
    """Run forward and backward once in float32; every output must stay float32."""
    is_loss = targets is not None
    if is_loss and targets.dtype.kind == "f":
        targets = targets.astype(np.float32)
    layer32 = _copy_with_dtype(layer, np.float32)
    try:
        out = _forward_function(layer32, train, targets)(x.astype(np.float32))
        dx = _backward_function(layer32, is_loss)(None if dout is None else dout.astype(np.float32))
    except Exception as error:  # noqa: BLE001
        report.add_error("float32", error, "forward or backward in float32")
        return
    results = {} if is_loss else {"output": out}
    if dx is not None:
        results["dx"] = dx
    # A missing gradient was already reported above; only dtypes are judged here.
    results.update({"d" + name: getattr(layer32, "d" + name) for name in names
                    if isinstance(getattr(layer32, "d" + name, None), np.ndarray)})
    wrong = [f"{label} is {getattr(value, 'dtype', type(value).__name__)}"
             for label, value in results.items() if getattr(value, "dtype", None) != np.float32]
    report.add("float32 kept", not wrong, ("gradients stay float32" if is_loss else
                                           "output and gradients stay float32") if not wrong else (
        "with float32 input and parameters, " + ", ".join(wrong)
        + "; a float64 array or np.float64 constant slipped in (use Python floats or x.dtype)"))
