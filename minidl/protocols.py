"""The network protocol: everything the rest of minidl asks of a network, written down once.

The :class:`~minidl.training.Trainer`, the optimizers, checkpoints, the
divergence rule, :func:`minidl.save_model` and :func:`minidl.load_model`,
the summary table and the thread choice use a network through these members
only, so that any network that has them trains and saves like an
:class:`~minidl.MLP`. :class:`minidl.Sequential` has them all, and so has
every network built on it. docs/networks.md shows the same table with
examples. (Who uses each member is in brackets.)

``params``
    :class:`~minidl.flat.FlatArrays`, name -> parameter, views of one buffer
    ``params.flat``; updated in place (optimizers, Trainer, gradient checks).
``unchecked_loss_and_gradient(x, t)``
    ``(loss, grads)`` of one training step, ``grads`` in the layout of
    ``params``, for an ``x`` already from ``check_input`` (the Trainer, each step).
``loss_and_gradient(x, t)``, ``gradient(x, t)``
    The same, checking ``x`` first (users, the homework checks).
``check_input(x, name="x")``
    ``x`` checked and converted (dtype, shape), once a ``fit`` (Trainer, evaluation).
``predict(x, train=False)``
    Class scores, shape (N, ``output_size``) (evaluation, estimators, exports).
``loss(x, t, train=True)``
    Mean loss plus ``weight_penalty()`` (divergence rule, gradient checks).
``weight_penalty()``
    The weight decay's share of the loss, 0.0 without (evaluation, divergence rule).
``input_size``, ``output_size``
    Numbers in one sample; classes (Trainer, divergence rule).
``dtype``
    numpy float32 or float64, of every parameter (Trainer, gradient checks).
``rng``
    The :class:`numpy.random.Generator` of the network's draws (checkpoints, gradient checks).
``state_dict()``, ``load_state_dict(state)``
    Copies of every array a checkpoint restores; copied back in place after
    checking names and shapes (checkpoints, early stopping, divergence rule).
``architecture()``
    ``{"type": registered name, "config": JSON dict}`` (save_model, checkpoints).
``config``, ``from_config(config)``, ``state_shapes(config)``
    The JSON settings; the network rebuilt from them; the shape of each of
    its arrays, without building it (loading checks the file's arrays first,
    gradient checks).
``describe()``, ``seed``
    One line for messages; the seed it was built with (messages, summary).
``last_layer``
    The loss layer, its ``labels`` and ``probabilities`` of the last batch (progress bar).
``weight_decay``, ``weight_init``
    The settings divergence advice names; ``weight_init`` is None for
    layers given as such (divergence rule).
``layer_sizes``
    Widths between the matrix products, input first (thread count).
``layers``, ``layer_params(name)``, ``output_shapes()``
    Ordered name -> layer (:mod:`minidl.layers.protocol`); which parameters
    a layer holds; each layer's output shape (exports, summary table).

A file names the network's class by the name it is registered under with
:func:`register_network` (``"MLP"``, ``"Sequential"``), never by code;
:func:`build_network` and :func:`network_state_shapes` go back from a
recorded architecture. Files written before the type was recorded hold an MLP.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

#: Registered name -> network class.
NETWORKS = {}


def register_network(cls):
    """Register a network class under its name, so that files can record and rebuild it."""
    NETWORKS[cls.__name__] = cls
    return cls


def network_type_name(cls):
    """The registered name of network class ``cls``, else ValueError with the fix."""
    for name, registered in NETWORKS.items():
        if registered is cls:
            return name
    raise ValueError(f"cannot save a {cls.__name__}: it is not a registered network class; decorate it with "
                     "@minidl.protocols.register_network, or save it as the Sequential it is built on")


def network_class(name):
    """The class registered as ``name`` (``None``, from files older than the type: ``"MLP"``)."""
    _import_networks()
    name = "MLP" if name is None else name
    if not isinstance(name, str) or name not in NETWORKS:
        raise ValueError(f"unknown network type {name!r}; minidl knows {sorted(NETWORKS)}")
    return NETWORKS[name]


def build_network(kind, config):
    """A new network of registered type ``kind`` from ``config``."""
    return network_class(kind).from_config(config)


def network_state_shapes(kind, config):
    """Name -> shape of each array a network of type ``kind`` with ``config`` holds, without building it."""
    return network_class(kind).state_shapes(config)


def _import_networks():
    # The network modules register themselves when imported; a loader may run before minidl.network is.
    import minidl.convnet  # noqa: F401
    import minidl.network  # noqa: F401


@runtime_checkable
class Network(Protocol):
    """The members of the table above, for type checkers and ``isinstance(net, Network)``."""

    params: object
    dtype: object
    rng: object
    input_size: int
    output_size: int
    weight_decay: float
    last_layer: object

    def check_input(self, x, name="x"): ...

    def predict(self, x, train=False): ...

    def loss(self, x, t, train=True): ...

    def loss_and_gradient(self, x, t): ...

    def unchecked_loss_and_gradient(self, x, t): ...

    def weight_penalty(self): ...

    def state_dict(self): ...

    def load_state_dict(self, state): ...

    def architecture(self): ...

    def describe(self): ...
