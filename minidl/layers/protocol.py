"""The layer protocol: what a layer must have to train inside a :class:`minidl.Sequential`.

A layer is any object with two methods, in the shape of the book "Deep
Learning from Scratch"::

    out = layer.forward(x, train=True)   # train=False: evaluation (dropout off, running statistics)
    dx = layer.backward(dout)            # dout = dL/d(out); returns dL/dx, keeps dL/dW as layer.dW

**Parameters.** A parameter is an attribute ``X`` holding a floating-point
array, with a sibling attribute ``dX`` where ``backward`` leaves its gradient
(``W``/``dW``, ``b``/``db``, ``gamma``/``dgamma``): the rule
:func:`minidl.homework.checks.check_layer` uses too. A layer may instead name them in
a class attribute ``param_names = ("W", "b")``. A :class:`~minidl.Sequential`
copies every parameter into its one flat buffer (``net.params.flat``) and
points the layer's attribute at its view there, so the layer must *read*
``self.W`` at each call (never keep a private copy) and must not rebind it.

**State.** Arrays that are not trained but belong to the model (batch
normalisation's running statistics) are named in a class attribute
``state_names = ("running_mean", "running_var")``; they are saved, loaded
and restored by checkpoints with the parameters, and must be updated in place.

**Randomness.** A layer that draws random numbers keeps its generator as
``self.rng`` (a :class:`numpy.random.Generator`); a Sequential points it at
the network's own ``net.rng``, so one seed fixes every draw and a checkpoint
restores them all.

**Saving.** A file never holds code, so a saved network records each layer
by a *registered name* and its settings, as JSON. :func:`register_layer`
registers a class; its settings are the arguments of its constructor, read
back from the attributes of the same names (``Dropout(ratio)`` keeps
``self.ratio``), or given by a ``config`` property returning a dict of them.
A parameter argument (``W``) is recorded by its shape and filled from the
saved arrays. Saving a network with a layer of an unregistered class is
refused when saving, with the fix in the message.
"""

from __future__ import annotations

import inspect

import numpy as np

from minidl.settings import COUNT

#: Registered name -> layer class (every layer of minidl, and those of users that register).
LAYERS = {}


def register_layer(cls=None, *, name=None):
    """Register a layer class so that networks holding it can be saved and loaded.

    Use it as a decorator, ``@minidl.register_layer`` or
    ``@minidl.register_layer(name="MyLayer")``; the name defaults to the
    class's name and is what a saved file records. Registering another class
    under a name already taken raises ``ValueError``; registering the same
    class again does nothing, and a class defined again under the same
    module and name (a notebook cell run twice) replaces the old one.

    Returns
    -------
    type
        The class, unchanged.
    """
    def register(layer_class):
        if not isinstance(layer_class, type):
            raise TypeError(f"register_layer registers a class; got {layer_class!r}")
        key = name or layer_class.__name__
        if not isinstance(key, str) or not key:
            raise ValueError(f"register_layer needs a non-empty name; got {key!r}")
        taken = LAYERS.get(key)
        # The same class defined again (a notebook cell run twice) takes the place of the old one.
        redefined = taken is not None and (taken.__module__, taken.__qualname__) == (
            layer_class.__module__, layer_class.__qualname__)
        if taken is not None and taken is not layer_class and not redefined:
            raise ValueError(f"a layer named {key!r} is already registered ({taken.__module__}.{taken.__qualname__}); "
                             "register yours under another name: @minidl.register_layer(name='...')")
        LAYERS[key] = layer_class
        return layer_class

    return register if cls is None else register(cls)


def registered_name(layer):
    """The name ``layer``'s class is registered under, or None (subclasses are not their parents)."""
    for key, cls in LAYERS.items():
        if type(layer) is cls:
            return key
    return None


def param_names(layer):
    """The names of ``layer``'s parameter attributes, in the order they were set (see the module's rule)."""
    declared = getattr(type(layer), "param_names", None)
    if declared is not None:
        return tuple(declared)
    attributes = vars(layer) if hasattr(layer, "__dict__") else {}
    return tuple(name for name, value in attributes.items()
                 if isinstance(value, np.ndarray) and value.dtype.kind == "f" and "d" + name in attributes)


def state_names(layer):
    """The names of ``layer``'s state arrays (saved with the parameters, not trained)."""
    return tuple(getattr(type(layer), "state_names", ()))


def check_layer_methods(layer, name):
    """Refuse an object without the layer protocol's ``forward`` and ``backward`` methods."""
    missing = [method for method in ("forward", "backward") if not callable(getattr(layer, method, None))]
    if missing:
        raise TypeError(
            f"layer {name!r} ({type(layer).__name__}) has no {' and no '.join(missing)} method; a layer has "
            "forward(x, train=True) returning its output and backward(dout) returning the gradient of its input"
        )


_TAKES_TRAIN = {}


def takes_train(layer):
    """Whether ``layer.forward`` takes ``train=`` (the protocol's form; the book's ReLU has ``forward(x)``)."""
    kind = type(layer)
    if kind not in _TAKES_TRAIN:
        try:
            _TAKES_TRAIN[kind] = "train" in inspect.signature(kind.forward).parameters
        except (TypeError, ValueError):
            _TAKES_TRAIN[kind] = True
    return _TAKES_TRAIN[kind]


_WRITES_INTO = {}


def writes_gradients_into(layer, attributes):
    """Whether ``layer.backward`` accepts ``dW=...``-style arrays to write its gradients into (as minidl's do)."""
    key = (type(layer), attributes)
    if key not in _WRITES_INTO:
        try:
            accepted = inspect.signature(type(layer).backward).parameters
        except (TypeError, ValueError):
            accepted = {}
        _WRITES_INTO[key] = all("d" + attribute in accepted for attribute in attributes)
    return _WRITES_INTO[key]


def layer_config(layer, what):
    """``{"type": name, "config": {...}}`` describing ``layer``; ``what`` names it in messages.

    Raises
    ------
    ValueError
        If the class is not registered, or a constructor argument cannot be
        read back as a JSON value; the message says how to fix it.
    """
    kind = registered_name(layer)
    if kind is None:
        cls = type(layer)
        raise ValueError(
            f"cannot save {what} ({cls.__name__}): its class is not registered, and a saved network never holds "
            f"code; register its class, @minidl.register_layer above class {cls.__name__} (or "
            f"minidl.register_layer({cls.__name__})), so that minidl.load_model can rebuild it from its name and settings"
        )
    parameters = set(param_names(layer))
    own = getattr(layer, "config", None)
    if own is not None and not callable(own):
        config = dict(own)
    else:
        config = {}
        for argument in _arguments(type(layer)):
            if argument.name == "rng":
                continue  # a Sequential gives its layers its own generator
            if argument.name in parameters:
                config[argument.name] = {"shape": list(getattr(layer, argument.name).shape)}
                continue
            if not hasattr(layer, argument.name):
                if argument.default is not inspect.Parameter.empty:
                    continue
                raise ValueError(
                    f"cannot save {what} ({kind}): its constructor argument {argument.name!r} is not kept as "
                    f"an attribute of the same name; set self.{argument.name} in __init__, or give the class a "
                    "config property returning its constructor arguments as a dict"
                )
            config[argument.name] = getattr(layer, argument.name)
    for key, value in config.items():
        if not _is_json(value):
            raise ValueError(
                f"cannot save {what} ({kind}): its setting {key}={value!r} is not a JSON value (a number, string, "
                "bool, None, or a list or dict of them); give the class a config property that returns JSON values"
            )
    return {"type": kind, "config": config}


def build_layer(spec, dtype, rng):
    """A new layer from :func:`layer_config`'s dict: parameters as zeros of ``dtype``, ``rng`` if it takes one.

    Raises
    ------
    ValueError
        If the name is not registered, or the settings do not fit the constructor.
    """
    if not isinstance(spec, dict) or not isinstance(spec.get("config"), dict):
        raise ValueError(f"a layer is described by {{'type': name, 'config': {{...}}}}; got {spec!r}")
    kind = spec.get("type")
    cls = LAYERS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(
            f"the layer type {kind!r} is not registered in this Python session; import the module that defines it "
            f"(with @minidl.register_layer) before loading (on the command line: minidl --plugin FILE.py COMMAND ...); "
            f"registered: {sorted(LAYERS)}"
        )
    arguments = {}
    for key, value in spec["config"].items():
        if isinstance(value, dict) and set(value) == {"shape"}:
            arguments[key] = np.zeros(check_shape(value["shape"], f"{kind} {key}"), dtype=dtype)
        else:
            arguments[key] = value
    if "rng" in {argument.name for argument in _arguments(cls)}:
        arguments["rng"] = rng
    try:
        return cls(**arguments)
    except TypeError as exc:
        raise ValueError(f"the settings {spec['config']!r} do not fit layer {kind} ({exc})") from exc


def parameter_shapes(spec):
    """Argument name -> shape of each parameter in a :func:`layer_config` dict, without building it."""
    config = spec.get("config") if isinstance(spec, dict) else None
    if not isinstance(config, dict):
        raise ValueError(f"a layer is described by {{'type': name, 'config': {{...}}}}; got {spec!r}")
    return {key: check_shape(value["shape"], f"{spec.get('type')} {key}")
            for key, value in config.items() if isinstance(value, dict) and set(value) == {"shape"}}


def check_shape(shape, what):
    """``shape`` as a tuple of positive ints, else ValueError naming ``what``."""
    if not isinstance(shape, (list, tuple)) or not all(
            COUNT.accepts(size) for size in shape):
        raise ValueError(f"the shape of {what} must be a list of positive whole numbers; got {shape!r}")
    return tuple(shape)


def _arguments(cls):
    return [argument for argument in list(inspect.signature(cls.__init__).parameters.values())[1:]
            if argument.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]


def _is_json(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_json(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _is_json(item) for key, item in value.items())
    return False
