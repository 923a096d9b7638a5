"""``check_layer``: is a layer's backward pass the derivative of its forward pass?

A student writes a layer as a class with ``forward(x)`` and ``backward(dout)``
(the shape of the book "Deep Learning from Scratch" and of
:mod:`minidl.layers`). This module checks it the way a grader would: it
compares every gradient of ``backward`` with a finite-difference estimate
from ``forward``, and checks shapes, dtypes, and that neither pass changes
the arrays it was given.
"""

from __future__ import annotations

import copy
import inspect

import numpy as np

from minidl.gradcheck import numerical_gradient
from minidl.testing.report import CheckReport, compare_arrays


def check_layer(layer, input_shape, *, parameters=None, train=True, seed=0, tolerance=1e-6, floor=1e-5,
                h=1e-4, raise_on_failure=False):
    """Check a layer's ``backward`` against numerical gradients of its ``forward``.

    Parameters
    ----------
    layer : object
        Has ``forward(x)`` (or ``forward(x, train=...)``) returning an array,
        and ``backward(dout)`` returning the gradient with respect to ``x``
        and storing each parameter's gradient as an attribute. It is not
        changed: the checks run on copies.
    input_shape : tuple of int
        Shape of the test input, e.g. ``(4, 3)`` for a batch of 4 samples of 3
        features. Keep it small: the check costs two forward passes per
        input element and per parameter element.
    parameters : list of str, optional
        Names of the parameter attributes to check, e.g. ``["W", "b"]``. By
        default they are discovered (see Notes).
    train : bool, default True
        Passed to ``forward`` as ``train=`` when it accepts that argument.
    seed : int, default 0
        Seeds the random input and the random upstream gradient ``dout``.
    tolerance : float, default 1e-6
        Largest relative error accepted between analytic and numerical gradients.
    floor : float, default 1e-5
        Denominator floor of the relative error (see :func:`minidl.gradcheck.relative_error`).
    h : float, default 1e-4
        Finite-difference step.
    raise_on_failure : bool, default False
        Raise :class:`~minidl.testing.CheckFailed` instead of returning a failing report.

    Returns
    -------
    CheckReport
        ``report.ok`` is True when everything passed; ``print(report)`` shows a
        table such as ``FAIL gradient db  max relative error 1.0e+00 at index (1,) ...``.

    Notes
    -----
    **The scalar being differentiated.** A layer maps ``x`` to ``out``. We draw
    a random ``dout`` of ``out``'s shape and differentiate

    .. math:: L(x, \\theta) = \\sum_i \\text{out}_i \\, \\text{dout}_i

    whose gradient is exactly what ``backward(dout)`` must return (for
    ``x``) and store (for each parameter :math:`\\theta`), by the chain rule.
    Every numerical gradient is a central difference of :math:`L`, computed
    in float64 (the layer's floating-point arrays are copied to float64 first).

    **Finding the parameters.** Following the book's convention, a parameter
    is an attribute ``X`` holding a floating-point array together with an
    attribute ``dX`` for its gradient (``W``/``dW``, ``b``/``db``,
    ``gamma``/``dgamma``). The cached input (``self.x``) is not a parameter
    even if a ``dx`` attribute exists. Pass ``parameters=[...]`` to name them
    yourself.

    **Random layers (dropout).** Every ``numpy.random.Generator`` the layer
    keeps as an attribute is rewound to the same state before each call of
    ``forward``, so every call draws the same mask and the finite
    differences measure the input, not the luck of the draw. A layer using
    the global ``np.random`` functions cannot be rewound: the report then
    says that two identical calls gave different outputs.

    **dtype.** The layer is also run once in float32 (input, ``dout`` and its
    arrays), and the output and every gradient must stay float32: a float64
    constant slipping in would silently double the memory of a network.
    """
    input_shape = _check_shape(input_shape)
    report = CheckReport(f"check_layer({type(layer).__name__}) on input shape {input_shape}")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(input_shape)
    layer64 = _copy_with_dtype(layer, np.float64)
    generators = _generators(layer64)
    forward = _forward_function(layer64, train)

    def run_forward(inputs):
        for generator, state in generators:
            generator.bit_generator.state = state
        return forward(inputs)

    # --- forward: returns an array, leaves its input alone, is repeatable
    x_before = x.copy()
    try:
        out = run_forward(x)
        x_changed = not np.array_equal(x, x_before)
        x[...] = x_before
        repeat = run_forward(x)
    except Exception as error:  # noqa: BLE001 - any failure of student code is reported, not raised
        report.add("forward", False, f"raised {type(error).__name__}: {error}")
        return _finish(report, raise_on_failure)
    if not isinstance(out, np.ndarray):
        report.add("forward", False, f"returned {type(out).__name__}, expected a numpy array")
        return _finish(report, raise_on_failure)
    report.add("forward output", True, f"shape {out.shape}, dtype {out.dtype}")
    report.add("forward keeps x", not x_changed, "forward changed its input x in place; compute into a new array"
               if x_changed else "input unchanged")
    x[...] = x_before
    repeatable = isinstance(repeat, np.ndarray) and repeat.shape == out.shape and np.array_equal(repeat, out)
    report.add("forward repeatable", repeatable, "same output for the same input" if repeatable else (
        "two calls with the same input gave different outputs; draw random numbers from a "
        "numpy Generator stored on the layer (self.rng), not from np.random"))
    if not repeatable:
        return _finish(report, raise_on_failure)

    # --- backward: the analytic gradients, with shapes checked
    dout = rng.standard_normal(out.shape)
    dout_before = dout.copy()
    run_forward(x)
    try:
        dx = layer64.backward(dout)
    except Exception as error:  # noqa: BLE001
        report.add("backward", False, f"raised {type(error).__name__}: {error}")
        return _finish(report, raise_on_failure)
    dx = None if dx is None else np.array(dx, dtype=np.float64)
    report.add("backward keeps dout", np.array_equal(dout, dout_before), "dout unchanged"
               if np.array_equal(dout, dout_before) else "backward changed dout in place (as the book's "
               "`dout[mask] = 0` does), which corrupts the caller's array; return a new one, e.g. dout * mask")
    dout = dout_before
    names = _parameter_names(layer64, parameters, x, report)
    # Copies: nothing the layer does later can change what backward reported.
    analytic = {name: copy.copy(getattr(layer64, "d" + name, None)) for name in names}

    # --- numerical gradients of L = sum(forward(x) * dout)
    def objective(_):
        return float(np.sum(run_forward(x) * dout))

    if dx is None:
        skipped = getattr(layer64, "needs_input_gradient", True) is False
        report.add("gradient dx", skipped, "skipped: needs_input_gradient is False" if skipped
                   else "backward returned None; it must return the gradient with respect to x")
    elif dx.shape != x.shape:
        report.add("gradient dx", False, f"backward returned shape {dx.shape}; expected x's shape {x.shape}")
    else:
        report.add("gradient dx", *compare_arrays(dx, numerical_gradient(objective, x, h=h), tolerance, floor))
    for name, gradient in analytic.items():
        parameter = getattr(layer64, name)
        if not isinstance(gradient, np.ndarray) or gradient.shape != parameter.shape:
            found = "None" if gradient is None else f"of shape {np.shape(gradient)}"
            report.add(f"gradient d{name}", False, f"after backward, d{name} is {found}; "
                       f"expected an array of {name}'s shape {parameter.shape}")
            continue
        gradient = np.array(gradient, dtype=np.float64)
        numerical = numerical_gradient(objective, parameter, h=h)
        report.add(f"gradient d{name}", *compare_arrays(gradient, numerical, tolerance, floor))

    _check_float32(layer, train, x, dout, names, report)
    return _finish(report, raise_on_failure)


def _finish(report, raise_on_failure):
    return report.raise_if_failed() if raise_on_failure else report


def _check_shape(input_shape):
    try:
        shape = tuple(int(size) for size in input_shape)
    except TypeError as error:
        raise TypeError(f"input_shape must be a tuple of ints such as (4, 3); got {input_shape!r}") from error
    if not shape or min(shape) < 1:
        raise ValueError(f"input_shape must be a non-empty tuple of positive ints such as (4, 3); got {input_shape!r}")
    return shape


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


def _forward_function(layer, train):
    """``forward`` called with ``train=`` when it takes that argument (minidl), without it otherwise (the book)."""
    parameters = inspect.signature(layer.forward).parameters
    takes_train = "train" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    if takes_train:
        return lambda inputs: layer.forward(inputs, train=train)
    return layer.forward


def _parameter_names(layer, parameters, x, report):
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
    names = [name for name, value in attributes.items()
             if isinstance(value, np.ndarray) and value.dtype.kind == "f" and "d" + name in attributes
             and not np.shares_memory(value, x)]
    report.add("parameters", True, ", ".join(names) if names else
               "none found (a parameter is an array attribute X with a gradient attribute dX)")
    return names


def _check_float32(layer, train, x, dout, names, report):
    """Run forward and backward once in float32; every output must stay float32."""
    layer32 = _copy_with_dtype(layer, np.float32)
    forward = _forward_function(layer32, train)
    try:
        out = forward(x.astype(np.float32))
        dx = layer32.backward(dout.astype(np.float32))
    except Exception as error:  # noqa: BLE001
        report.add("float32", False, f"forward or backward raised {type(error).__name__} in float32: {error}")
        return
    results = {"output": out} if dx is None else {"output": out, "dx": dx}
    # A missing gradient was already reported above; only dtypes are judged here.
    results.update({"d" + name: getattr(layer32, "d" + name) for name in names
                    if isinstance(getattr(layer32, "d" + name, None), np.ndarray)})
    wrong = [f"{label} is {getattr(value, 'dtype', type(value).__name__)}"
             for label, value in results.items() if getattr(value, "dtype", None) != np.float32]
    report.add("float32 kept", not wrong, "output and gradients stay float32" if not wrong else (
        "with float32 input and parameters, " + ", ".join(wrong)
        + "; a float64 array or np.float64 constant slipped in (use Python floats or x.dtype)"))
