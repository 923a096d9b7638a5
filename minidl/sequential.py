"""A network of any layers, one after the other, trained by backpropagation.

:class:`Sequential` is the network of the book "Deep Learning from Scratch"
(its ``TwoLayerNet`` and ``SimpleConvNet`` keep an ordered dict of layers and
a last layer) made general: give it layers that follow the layer protocol of
:mod:`minidl.layers.protocol` and it computes scores, the loss and every
gradient::

    forward:   x -> layer_1 -> layer_2 -> ... -> layer_n -> scores -> loss layer -> L
    backward:  dL/dx <- layer_1.backward <- ... <- layer_n.backward <- loss.backward(1)

:class:`minidl.MLP` and :class:`minidl.SimpleConvNet` are Sequentials built
from sizes. What the Trainer, the optimizers, checkpoints and exports ask of a
network is written down once, in :mod:`minidl.protocols`.
"""

from __future__ import annotations

import copy
import inspect
import math
from collections import Counter

import numpy as np

from minidl.fixed_layers import Layers
from minidl.flat import FlatArrays
from minidl.layers.protocol import (
    build_layer,
    check_layer_methods,
    layer_config,
    param_names,
    parameter_shapes,
    state_names,
    takes_train,
    writes_gradients_into,
)
from minidl.losses import SoftmaxWithLoss, softmax
from minidl.protocols import network_type_name, register_network
from minidl.settings import COUNT, check_dtype, check_number, check_seed
from minidl.validation import check_features, check_labels, check_state


@register_network
class Sequential:
    """A classifier made of layers applied one after the other, with a loss layer on top.

    Parameters
    ----------
    layers : sequence of layers, or of (name, layer) pairs, or a dict name -> layer
        Each layer follows the layer protocol (:mod:`minidl.layers.protocol`):
        ``forward(x, train=True)`` and ``backward(dout)``, parameters ``X``
        with gradients ``dX``. Unnamed layers are named by class and count,
        ``Affine1, ReLU1, Affine2, ...``. The last gives the class scores,
        shape (N, classes).
    loss : loss layer, optional
        ``forward(scores, t)`` returning the mean loss, ``backward(dout=1)``
        returning its gradient; default :class:`~minidl.losses.SoftmaxWithLoss`.
    input_shape : int or tuple of int, optional
        The shape of one sample, e.g. ``(1, 28, 28)`` for a convolutional
        network. Needed unless the first layer is an ``Affine`` (then
        ``(fan_in,)``).
    weight_decay : float, default 0.0
        L2 penalty :math:`\\frac{\\lambda}{2} \\sum W^2` over the parameters
        named ``W`` (weights, not biases).
    seed : int or None
        Seeds ``rng``, which every layer with an ``rng`` attribute (dropout)
        then draws from. ``None`` means seed 0.
    dtype : float32 or float64, optional
        The dtype of every parameter and computation; by default the layers'
        parameters' own (float32 if they have none).

    Attributes
    ----------
    params : FlatArrays (a dict of str -> numpy.ndarray)
        Every parameter, named by attribute and count in layer order as the
        book does: ``W1, b1, W2, b2, ...`` (``gamma1, beta1`` for batch
        normalisation). Views into one buffer, ``params.flat``, which the
        layers' attributes point at: update in place to train.
    layers : Layers (an OrderedDict of str -> layer)
        A key may be given a new layer with the same parameters; no key may be added.
    last_layer : loss layer
    rng : numpy.random.Generator
    input_shape : tuple of int
    input_size, output_size : int

    Examples
    --------
    >>> from minidl.layers import Affine, ReLU
    >>> rng = np.random.default_rng(0)
    >>> net = Sequential([Affine(0.1 * rng.standard_normal((4, 8)), np.zeros(8)), ReLU(),
    ...                   Affine(0.1 * rng.standard_normal((8, 3)), np.zeros(3))])
    >>> list(net.params), list(net.layers)
    (['W1', 'b1', 'W2', 'b2'], ['Affine1', 'ReLU1', 'Affine2'])
    """

    #: The initialiser's name or scale of a network built from sizes; None for layers given as such.
    weight_init = None

    def __init__(self, layers, loss=None, *, input_shape=None, weight_decay=0.0, seed=None, dtype=None):
        self.seed = check_seed(seed) or 0
        self._build(_named(layers), loss, input_shape, weight_decay, dtype, np.random.default_rng(self.seed))

    # ================================================================ building
    def _build(self, named_layers, loss, input_shape, weight_decay, dtype, rng, output_size=None):
        """Gather the parameters of ``named_layers`` into one buffer and check the layers fit together."""
        self.weight_decay = check_number(weight_decay, "weight_decay", low=0.0)
        self.rng = rng
        for name, layer in named_layers:
            check_layer_methods(layer, name)
        self.last_layer = SoftmaxWithLoss() if loss is None else loss
        check_layer_methods(self.last_layer, "loss")
        self.dtype = self._common_dtype(named_layers, dtype)
        layout, self._layer_params, self._layer_states = [], {}, {}
        param_counts, state_counts = Counter(), Counter()
        for name, layer in named_layers:
            names = {}
            for attribute in param_names(layer):
                param_counts[attribute] += 1
                names[attribute] = f"{attribute}{param_counts[attribute]}"
                layout.append((names[attribute], np.shape(getattr(layer, attribute))))
            if names:
                self._layer_params[name] = names
            states = {}
            for attribute in state_names(layer):
                state_counts[attribute] += 1
                states[attribute] = f"{attribute}{state_counts[attribute]}"
            if states:
                self._layer_states[name] = states
        self.params = FlatArrays(layout, self.dtype)
        for name, layer in named_layers:
            for attribute, param in self._layer_params.get(name, {}).items():
                self.params[param][...] = getattr(layer, attribute)
                setattr(layer, attribute, self.params[param])
            for attribute in self._layer_states.get(name, {}):
                value = getattr(layer, attribute)
                if value.dtype != self.dtype:
                    setattr(layer, attribute, value.astype(self.dtype))
            if isinstance(getattr(layer, "rng", None), np.random.Generator):
                layer.rng = rng
        self._weights = [param for names in self._layer_params.values()
                         for attribute, param in names.items() if attribute == "W"]
        self.layers = Layers(named_layers, rng)
        self._built = tuple(layer for _, layer in named_layers)
        self.input_shape = self._input_shape(named_layers, input_shape)
        self.input_size = math.prod(self.input_shape)
        self.output_size = self._output_size() if output_size is None else output_size

    @staticmethod
    def _common_dtype(named_layers, dtype):
        if dtype is not None:
            return check_dtype(dtype)
        kinds = {np.dtype(getattr(layer, attribute).dtype).name
                 for _, layer in named_layers for attribute in param_names(layer)}
        if len(kinds) > 1:
            raise ValueError(f"the layers' parameters mix dtypes {sorted(kinds)}; pass dtype=np.float32 or np.float64")
        return check_dtype(kinds.pop() if kinds else np.float32)

    @staticmethod
    def _input_shape(named_layers, input_shape):
        if input_shape is None:
            first = named_layers[0][1] if named_layers else None
            weights = getattr(first, "W", None)
            if type(first).__name__ != "Affine" or not isinstance(weights, np.ndarray):
                raise ValueError(
                    "Sequential needs input_shape=(...), the shape of one sample (e.g. (1, 28, 28) for 28x28 "
                    "grey images), unless its first layer is an Affine, whose weights tell the input size"
                )
            return (int(weights.shape[0]),)
        shape = (input_shape,) if isinstance(input_shape, int) else input_shape
        if not isinstance(shape, (tuple, list)) or not shape or not all(
                COUNT.accepts(size) for size in shape):
            raise ValueError(
                f"input_shape must be a tuple of positive integers such as (1, 28, 28); got {input_shape!r}")
        return tuple(int(size) for size in shape)

    def _output_size(self):
        """The number of classes, from one forward pass of a sample of zeros (which checks the layers fit)."""
        shapes = self.output_shapes()
        scores = shapes[-1] if shapes else self.input_shape
        if len(scores) != 1 or scores[0] < 2:
            raise ValueError(
                f"the last layer must give class scores of shape (N, classes) with at least 2 classes; these layers "
                f"give (N, {', '.join(map(str, scores))}) for an input of shape "
                f"(N, {', '.join(map(str, self.input_shape))})"
            )
        return scores[0]

    def output_shapes(self):
        """The shape of one sample after each layer, from a forward pass of zeros in evaluation mode."""
        x, shapes = np.zeros((1, *self.input_shape), dtype=self.dtype), []
        for name, layer in self.layers.items():
            try:
                x = layer.forward(x, train=False) if takes_train(layer) else layer.forward(x)
            except Exception as exc:
                raise ValueError(
                    f"layer {name!r} ({type(layer).__name__}) does not take the output of the layer before it, of "
                    f"shape (N, {', '.join(map(str, x.shape[1:]))}): {exc}"
                ) from exc
            shapes.append(tuple(x.shape[1:]))
        return shapes

    # ================================================================ forward
    def check_input(self, x, name="x"):
        """``x`` checked (numbers, finite, one sample a row) and converted to ``dtype``, shape (N, *input_shape).

        Samples may come flat, (N, input_size), or in any shape with as many
        numbers, e.g. (N, 28, 28) for a network whose input_shape is (1, 28, 28).
        """
        x = check_features(x, self.input_size, self.dtype, name=name, advice=self._input_advice)
        return x if len(self.input_shape) == 1 else x.reshape(len(x), *self.input_shape)

    def _input_advice(self, width):
        """The fix an error names when a sample has ``width`` numbers, not ``input_size``: the setting that decides."""
        if len(self.input_shape) == 1:
            return "check the data matches the model's input_size"
        return f"check the data matches the network's input_shape={self.input_shape}"

    def _forward(self, x, train):
        for layer in self.layers.values():
            x = layer.forward(x, train=train) if takes_train(layer) else layer.forward(x)
        return x

    def predict(self, x, train=False):
        """Return the class scores (logits) of ``x``, shape (N, output_size).

        In evaluation mode (the default) dropout is off and batch normalisation
        uses its running statistics. The predicted class is ``scores.argmax(axis=1)``.
        """
        return self._forward(self.check_input(x), train)

    def predict_proba(self, x):
        """Return class probabilities (softmax of the scores), shape (N, output_size)."""
        return softmax(self.predict(x, train=False), axis=1)

    def weight_penalty(self):
        """The weight decay's share of the loss, :math:`\\frac{\\lambda}{2} \\sum W^2` (0.0 without decay)."""
        if self.weight_decay == 0.0:
            return 0.0
        # vdot flattens and multiplies-adds in one BLAS call, with no W**2 temporary.
        squares = sum(float(np.vdot(self.params[name], self.params[name])) for name in self._weights)
        return 0.5 * self.weight_decay * squares

    def loss(self, x, t, train=True):
        """Return the mean loss of ``x`` against labels ``t``, plus the weight penalty.

        ``t`` holds integer labels (N,) or one-hot rows (N, output_size).
        ``train=True`` (the default, as for a training step) draws dropout
        masks from ``rng`` and moves the batch-norm running statistics; pass
        ``train=False`` to measure a validation loss without side effects.
        """
        return self._loss(self.check_input(x), t, train)

    def _loss(self, x, t, train):
        # The loss of an x already checked (by loss or loss_and_gradient, or by the Trainer's fit).
        return self.last_layer.forward(self._forward(x, train), t) + self.weight_penalty()

    def accuracy(self, x, t):
        """Return the fraction of samples whose highest score is the true class (labels or one-hot)."""
        scores = self.predict(x, train=False)
        labels = check_labels(t, scores.shape[0], self.output_size)
        return float(np.mean(scores.argmax(axis=1) == labels))

    # =============================================================== backward
    def loss_and_gradient(self, x, t):
        """Return ``(loss, grads)`` from one training-mode forward pass and one backward pass.

        ``grads`` has exactly the keys of ``params``, each array the gradient
        of the loss (weight penalty included) with respect to that parameter.
        Like ``params`` it is a :class:`~minidl.flat.FlatArrays`: the layers
        write their gradients into views of one new buffer (``grads.flat``),
        in the layout of ``params.flat``.

        The :class:`~minidl.training.Trainer` calls
        :meth:`unchecked_loss_and_gradient`, the same without the check of
        ``x``, since ``fit`` checks the whole data set once.
        """
        return self._loss_and_gradient(self.check_input(x), t)

    def unchecked_loss_and_gradient(self, x, t):
        """:meth:`loss_and_gradient` of an ``x`` that :meth:`check_input` already gave (the Trainer's step).

        It runs ``_loss_and_gradient``, which a subclass overrides to change
        the computation of a step.
        """
        return self._loss_and_gradient(x, t)

    def _loss_and_gradient(self, x, t):
        loss = self._loss(x, t, train=True)
        # A fresh buffer each call, so gradients kept from an earlier call stay as they were.
        grads = self.params.empty_like()
        dout = self.last_layer.backward(1.0)
        for name, layer in reversed(self.layers.items()):
            dout = self._backward(name, layer, dout, grads)
        if self.weight_decay:
            for param in self._weights:
                grads[param] += self.weight_decay * self.params[param]
        return loss, grads

    def _backward(self, name, layer, dout, grads):
        """``layer.backward(dout)``, with the gradients of the layer's parameters put in their views of ``grads``."""
        names = self._layer_params.get(name)
        if not names:
            return layer.backward(dout)
        if writes_gradients_into(layer, tuple(names)):
            # minidl's layers write dW, db, dgamma, dbeta straight into the views of grads: no copy.
            return layer.backward(dout, **{"d" + attribute: grads[param] for attribute, param in names.items()})
        dout = layer.backward(dout)
        for attribute, param in names.items():
            gradient = getattr(layer, "d" + attribute, None)
            if gradient is None or np.shape(gradient) != grads[param].shape:
                raise ValueError(
                    f"layer {name!r} ({type(layer).__name__}) left d{attribute} = "
                    f"{'None' if gradient is None else f'an array of shape {np.shape(gradient)}'} after backward; "
                    f"backward must set self.d{attribute}, the gradient of {attribute}, "
                    f"of shape {grads[param].shape}"
                )
            np.copyto(grads[param], gradient)
        return dout

    def gradient(self, x, t):
        """Return the gradients of :meth:`loss`, a dict with the keys of ``params`` (see :meth:`loss_and_gradient`)."""
        return self.loss_and_gradient(x, t)[1]

    # ================================================================= state
    def _state_arrays(self):
        """Name -> the live array (not a copy) of every value a checkpoint must restore."""
        state = dict(self.params)
        for name, states in self._layer_states.items():
            for attribute, key in states.items():
                state[key] = getattr(self.layers[name], attribute)
        return state

    def state_dict(self):
        """Return copies of all parameters and state arrays (batch-norm running statistics), name -> array."""
        return {name: array.copy() for name, array in self._state_arrays().items()}

    def load_state_dict(self, state):
        """Copy the arrays of ``state`` into this network in place, after checking names and shapes.

        In-place copies keep every reference valid: the layers, and an
        optimizer that already holds ``params``, see the loaded values.
        Nothing is changed if any check fails.
        """
        targets = self._state_arrays()
        for name, value in check_state(state, targets, self.describe()).items():
            np.copyto(targets[name], value)

    def _copy_in(self, dtype):
        """A deep copy of this network that computes in ``dtype``: the same layers, weights, state and draws.

        The copy is made from the layers themselves (``copy.deepcopy``), not
        from :attr:`config`: a layer of one's own that is not registered, or
        a layer put in place of a built one (``net.layers["Activation1"] =
        Tanh()``), is copied as it is, where a network rebuilt from its
        settings would lack it or hold the layer it was built with. The
        gradient checks use this to check a float32 network in float64.
        """
        twin = copy.deepcopy(self)
        built = twin._built
        twin._build(list(twin.layers.items()), twin.last_layer, twin.input_shape, twin.weight_decay, dtype,
                    twin.rng, output_size=twin.output_size)
        twin._built = built  # what architecture() records is the original's
        return twin

    def __setstate__(self, state):
        # After pickle or copy.deepcopy, which rebuild params over a new buffer
        # (see minidl.flat) and copy the layers' arrays apart from it: point
        # the layers at the arrays of params again, so that training reaches them.
        self.__dict__.update(state)
        for name, attributes in self._layer_params.items():
            for attribute, param in attributes.items():
                setattr(self.layers[name], attribute, self.params[param])

    # ========================================================== configuration
    @property
    def config(self):
        """The layers and settings as a JSON-ready dict (rebuild with :meth:`from_config`).

        Raises ``ValueError`` if a layer's class is not registered
        (:func:`minidl.register_layer`): a saved network never holds code.
        """
        return {
            "layers": [{"name": name, **self._layer_spec(name, layer)} for name, layer in self.layers.items()],
            "loss": layer_config(self.last_layer, "the loss layer"),
            "input_shape": list(self.input_shape),
            "weight_decay": self.weight_decay,
            "dtype": self.dtype.name,
            "seed": self.seed,
        }

    def _layer_spec(self, name, layer):
        spec = layer_config(layer, f"layer {name!r}")
        spec["params"] = {attribute: list(getattr(layer, attribute).shape) for attribute in param_names(layer)}
        spec["state"] = {attribute: list(getattr(layer, attribute).shape) for attribute in state_names(layer)}
        return spec

    def architecture(self):
        """``{"type": ..., "config": ...}``: what a file records to rebuild this network (see :mod:`minidl.protocols`).

        A subclass built from sizes (MLP, SimpleConvNet) records its own
        settings while its layers are those it built; once a layer has been
        replaced (``net.layers["Activation1"] = Tanh()``) it records its
        layers as a plain Sequential, so a saved file holds what the layers are.
        """
        if type(self) is not Sequential and not self._as_built():
            return {"type": "Sequential", "config": Sequential.config.fget(self)}
        return {"type": network_type_name(type(self)), "config": self.config}

    def _as_built(self):
        return len(self._built) == len(self.layers) and all(
            built is layer for built, layer in zip(self._built, self.layers.values()))

    @classmethod
    def from_config(cls, config):
        """Build a network from a :attr:`config` dict (parameters as saved shapes, filled with zeros)."""
        config = cls._checked_config(config)
        dtype = check_dtype(config.get("dtype", "float32"))
        network = cls.__new__(cls)
        network.seed = check_seed(config.get("seed")) or 0
        rng = np.random.default_rng(network.seed)
        named = [(spec["name"], build_layer(spec, dtype, None)) for spec in config["layers"]]
        for (name, layer), spec in zip(named, config["layers"]):
            shapes = {attribute: list(np.shape(getattr(layer, attribute))) for attribute in param_names(layer)}
            if shapes != spec.get("params", shapes):
                raise ValueError(
                    f"layer {name!r}: its settings give parameters {shapes}, not the saved {spec['params']}")
        loss = build_layer(config["loss"], dtype, None) if config.get("loss") is not None else None
        network._build(named, loss, config.get("input_shape"), config.get("weight_decay", 0.0), dtype, rng)
        return network

    @classmethod
    def state_shapes(cls, config):
        """Name -> shape of every array :meth:`state_dict` holds for ``config``, without building the network."""
        config = cls._checked_config(config)
        shapes, param_counts, state_counts = {}, Counter(), Counter()
        for spec in config["layers"]:
            declared = spec.get("params")
            if not isinstance(declared, dict):
                declared = parameter_shapes(spec)
            for attribute, shape in declared.items():
                param_counts[attribute] += 1
                shapes[f"{attribute}{param_counts[attribute]}"] = tuple(shape)
            for attribute, shape in (spec.get("state") or {}).items():
                state_counts[attribute] += 1
                shapes[f"{attribute}{state_counts[attribute]}"] = tuple(shape)
        return shapes

    @classmethod
    def _checked_config(cls, config):
        if not isinstance(config, dict) or not isinstance(config.get("layers"), list) or not all(
                isinstance(spec, dict) and isinstance(spec.get("name"), str) for spec in config["layers"]):
            raise ValueError("config does not describe a Sequential: it needs 'layers', a list of "
                             "{'name': ..., 'type': ..., 'config': {...}}, as Sequential.config gives")
        return config

    # ========================================================= description
    def describe(self):
        """One line such as ``(1, 28, 28) -> Convolution1 -> ReLU1 -> ... -> 10 classes``."""
        shape = ", ".join(map(str, self.input_shape))
        return " -> ".join([f"({shape})", *self.layers, f"{self.output_size} classes"])

    def __repr__(self):
        lines = [f"{type(self).__name__}({self.describe()}, dtype={self.dtype.name!r}, seed={self.seed!r}"
                 + (f", weight_decay={self.weight_decay!r}" if self.weight_decay else "") + ")"]
        lines += [f"  ({name}): {layer!r}" for name, layer in self.layers.items()]
        lines.append(f"  (last_layer): {self.last_layer!r}")
        count = sum(array.size for array in self.params.values())
        lines.append(f"  {count:,} parameters")
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle):
        """IPython's display: a summary table, one row a layer (see :mod:`minidl.summary`)."""
        from minidl.summary import summary_text

        printer.text(summary_text(self))

    def _repr_html_(self):
        """Jupyter's display: the summary table in HTML."""
        from minidl.summary import summary_html

        return summary_html(self)

    @property
    def layer_sizes(self):
        """The widths between the matrix products, input first: the input, then after each layer with weights ``W``."""
        sizes = [self.input_size]
        for name, shape in zip(self.layers, self.output_shapes()):
            if "W" in self._layer_params.get(name, {}):
                sizes.append(math.prod(shape))
        return sizes

    def layer_params(self, name):
        """Layer attribute -> parameter name of layer ``name``, e.g. ``{"W": "W1", "b": "b1"}`` (``{}`` for none)."""
        return dict(self._layer_params.get(name, {}))


class BuiltSequential(Sequential):
    """A :class:`Sequential` that builds its own layers from a few settings, as MLP and SimpleConvNet do.

    Its :attr:`config` holds its constructor's arguments, so :meth:`from_config`
    calls the constructor with them. Here only the keys are checked: a dict,
    no key that is not an argument, every argument without a default given;
    the constructor checks the values. A subclass writes ``config``,
    ``state_shapes`` and how its messages name it (``_called``).
    """

    #: The network as messages name it: "an MLP", "a SimpleConvNet".
    _called = "a network"

    @classmethod
    def from_config(cls, config):
        """Build a network from a :attr:`config` dict (same seed: same initial weights)."""
        return cls(**cls._checked_keys(config))

    @classmethod
    def _checked_keys(cls, config):
        """``config`` if its keys are the constructor's arguments (the values are checked there), else ValueError."""
        if not isinstance(config, dict):
            raise ValueError(f"config must be a dict such as {cls.__name__}.config; got {type(config).__name__}")
        arguments = {name: argument for name, argument in inspect.signature(cls.__init__).parameters.items()
                     if name != "self"}
        required = {name for name, argument in arguments.items() if argument.default is argument.empty}
        unknown, missing = sorted(set(config) - set(arguments)), sorted(required - set(config))
        if unknown or missing:
            problems = f"unknown keys {unknown}" + (f", missing keys {missing}" if required else "")
            raise ValueError(f"config does not describe {cls._called}: {problems}; the keys are {sorted(arguments)}")
        return config


def _named(layers):
    """``layers`` as a list of (name, layer): given names kept, others named by class and count."""
    if isinstance(layers, dict):
        items = list(layers.items())
    else:
        try:
            items = list(layers)
        except TypeError:
            raise TypeError(f"layers must be a list of layers or a dict name -> layer; got {type(layers).__name__}") from None
        counts, named = Counter(), []
        for item in items:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                named.append(item)
                continue
            counts[type(item).__name__] += 1
            named.append((f"{type(item).__name__}{counts[type(item).__name__]}", item))
        items = named
    if not items:
        raise ValueError("a Sequential needs at least one layer")
    names = [name for name, _ in items]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ValueError(f"layer names must be distinct; {duplicated} appear more than once")
    return items
