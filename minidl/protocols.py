"""The network protocol: everything the rest of minidl asks of a network, written down once.

The :class:`~minidl.training.Trainer`, the optimizers, checkpoints, the
divergence rule, :func:`minidl.save_model`, the exports and the
scikit-learn estimators use a network through these names only, so that
any network that has them trains and saves like an :class:`~minidl.MLP`.
:class:`minidl.Sequential` has them all, and so has every network built on
it (:class:`~minidl.MLP`, :class:`~minidl.SimpleConvNet`). docs/networks.md
shows the same contract with examples.

=================================  ==========================================================  ==========================
member                             what it is                                                  who uses it
=================================  ==========================================================  ==========================
``params``                         :class:`~minidl.flat.FlatArrays`, name -> parameter, views   optimizers (update in
                                   of one buffer ``params.flat``; updated in place               place), Trainer, gradcheck
``unchecked_loss_and_gradient``    ``(loss, grads)`` of one training step, ``grads`` in the     Trainer (each step)
``(x, t)``                         layout of ``params``; ``x`` already from ``check_input``
``loss_and_gradient(x, t)``        the same, checking ``x`` first                              users, homework checks
``check_input(x, name)``           ``x`` checked and converted (dtype, shape), once a ``fit``   Trainer, evaluation
``predict(x, train=False)``        class scores (N, ``output_size``)                           evaluation, estimators
``loss(x, t, train=True)``         mean loss plus ``weight_penalty()``                         divergence rule, gradcheck
``weight_penalty()``               the weight decay's share of the loss (0.0 without)          evaluation, divergence rule
``output_size``, ``input_size``    classes; numbers in one sample                              Trainer, divergence rule
``dtype``                          numpy float32 or float64 dtype of every parameter           Trainer, gradcheck
``rng``                            :class:`numpy.random.Generator` of the network's draws      checkpoints, gradcheck
``state_dict()``,                  copies of every array a checkpoint restores;                checkpoints, early
``load_state_dict(state)``         copied back in place after checking names and shapes        stopping, divergence rule
``architecture()``                 ``{"type": registered name, "config": JSON dict}``          save_model, checkpoints
``config``                         the JSON-ready settings; ``type(net).from_config(config)``  gradcheck, resume
                                   rebuilds the network
``state_shapes(config)``           classmethod: name -> shape of each state array, unbuilt     loading (checked first)
``describe()``                     one line for messages                                       messages
``last_layer``                     the loss layer (``labels``, ``probabilities`` of a batch)   progress bar
``weight_decay``, ``weight_init``  the settings named in divergence advice (0.0; None when     divergence advice
                                   there is no initialiser name)
``layer_sizes``                    widths between the matrix products, input first             thread count
``layers``                         ordered name -> layer (:mod:`minidl.layers.protocol`)        exports, summary
=================================  ==========================================================  ==========================

A file names the network's class by the name it is registered under with
:func:`register_network` (``"MLP"``, ``"Sequential"``, ``"SimpleConvNet"``),
never by code; :func:`build_network` and :func:`network_state_shapes` go back
from a recorded architecture. Files written before the type was recorded
hold an MLP.
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
