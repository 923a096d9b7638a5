"""A network as a PyTorch ``nn.Sequential``, and back.

minidl's layers are PyTorch's modules written out by hand, so a trained
network maps onto ``torch.nn`` one layer to one module:

- ``Affine(W, b)`` is ``nn.Linear`` with ``weight = W.T`` (PyTorch keeps
  the weights as (outputs, inputs), minidl as (inputs, outputs)) and ``bias = b``;
- ``BatchNorm`` is ``nn.BatchNorm1d`` with ``weight = gamma``, ``bias =
  beta`` and the same running mean and variance. Its ``momentum`` is
  ``1 - momentum`` (PyTorch weighs the *new* batch, minidl the old average);
- ``ReLU``, ``Sigmoid``, ``Tanh`` and ``Dropout(ratio)`` are ``nn.ReLU``,
  ``nn.Sigmoid``, ``nn.Tanh`` and ``nn.Dropout(p=ratio)``: both drop
  out the inverted way (rescale in training, nothing at inference).

So :func:`to_torch` gives a module that computes the same scores as
``net.predict`` (``softmax=True`` adds ``nn.Softmax`` for the probabilities
of ``net.predict_proba``), and :func:`from_torch` rebuilds an
:class:`~minidl.MLP` from such a module, whoever trained it.

Two things do not carry over. Weight decay belongs to the loss in minidl and
to the optimizer in PyTorch (``torch.optim.SGD(..., weight_decay=...)``),
so a module has none and :func:`from_torch` gives ``weight_decay=0``. And
once training goes on, PyTorch's running variance averages the *unbiased*
batch variance, minidl's the biased one, as in the book.

PyTorch is imported only here, when these functions are called, and is never
a dependency of minidl: install it yourself (its CPU wheel: ``pip install torch
--index-url https://download.pytorch.org/whl/cpu``).

Example
-------
>>> from minidl.export import from_torch, to_torch
>>> module = to_torch(net)                                 # doctest: +SKIP
>>> scores = module(torch.from_numpy(x_test)).detach()    # doctest: +SKIP
>>> same = from_torch(module)                              # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from minidl.export.layers import exportable_layers
from minidl.layers import Affine, BatchNorm, Dropout, ReLU, Sigmoid, Tanh
from minidl.network import MLP
from minidl.optional import import_optional

#: minidl activation layer -> the torch.nn class of the same name, and back to the MLP's activation.
ACTIVATION_MODULES = {ReLU: "ReLU", Sigmoid: "Sigmoid", Tanh: "Tanh"}
ACTIVATION_NAMES = {"ReLU": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh"}
#: The torch.nn classes from_torch reads; exact classes only, as a subclass may compute something else.
KNOWN_MODULES = ("Linear", "BatchNorm1d", "ReLU", "Sigmoid", "Tanh", "Dropout", "Softmax")
MODULE_NAMES = "Linear, ReLU, Sigmoid, Tanh, BatchNorm1d, Dropout and a final Softmax(dim=1)"


# ================================================================ to PyTorch
def to_torch(network, softmax=False):
    """Return ``network`` as a ``torch.nn.Sequential`` with the same weights, in evaluation mode.

    Parameters
    ----------
    network : minidl.MLP
    softmax : bool, default False
        False: the module outputs the scores (logits) of ``net.predict``,
        what ``torch.nn.CrossEntropyLoss`` expects, to go on training. True:
        a final ``nn.Softmax(dim=1)`` gives the probabilities of
        ``net.predict_proba``.

    Returns
    -------
    torch.nn.Sequential
        In evaluation mode (``module.eval()``), as ``predict`` computes;
        call ``module.train()`` to train it. The parameters are copies, in
        the network's dtype (float32 or float64).

    Raises
    ------
    ModuleNotFoundError
        Without PyTorch.
    ValueError
        If a layer has no PyTorch counterpart.
    """
    layers = exportable_layers(network, "PyTorch")
    torch = import_optional("torch", None, "minidl.export.to_torch")
    nn = torch.nn

    def parameter(array):
        return torch.from_numpy(np.array(array))  # a copy: the module never shares memory with the network

    modules = []
    with torch.no_grad():
        for _, layer, _ in layers:
            kind = type(layer)
            if kind is Affine:
                fan_in, fan_out = layer.W.shape
                module = nn.Linear(fan_in, fan_out, dtype=getattr(torch, layer.W.dtype.name))
                module.weight.copy_(parameter(layer.W.T))
                module.bias.copy_(parameter(layer.b))
            elif kind is BatchNorm:
                module = nn.BatchNorm1d(layer.gamma.shape[0], eps=layer.epsilon, momentum=1.0 - layer.momentum,
                                        dtype=getattr(torch, layer.gamma.dtype.name))
                module.weight.copy_(parameter(layer.gamma))
                module.bias.copy_(parameter(layer.beta))
                module.running_mean.copy_(parameter(layer.running_mean))
                module.running_var.copy_(parameter(layer.running_var))
            elif kind is Dropout:
                module = nn.Dropout(p=layer.ratio)
            else:
                module = getattr(nn, ACTIVATION_MODULES[kind])()
            modules.append(module)
    if softmax:
        modules.append(nn.Softmax(dim=1))
    return nn.Sequential(*modules).eval()


# ============================================================== from PyTorch
def from_torch(module):
    """Rebuild an :class:`~minidl.MLP` from a ``torch.nn.Sequential`` of the layers an MLP has.

    Parameters
    ----------
    module : torch.nn.Sequential
        Hidden layers ``Linear -> [BatchNorm1d] -> ReLU|Sigmoid|Tanh ->
        [Dropout]``, all with the same activation, the same dropout ratio
        and batch normalisation in all or none; then a last ``Linear``,
        optionally followed by ``Softmax(dim=1)`` (the MLP's
        ``predict_proba``). What :func:`to_torch` returns is such a module.

    Returns
    -------
    minidl.MLP
        Same weights (copies), batch-norm running statistics, activation and
        dropout ratio; dtype float64 if the module's parameters are
        float64, else float32; ``weight_decay=0``. Its BatchNorm layers
        keep minidl's momentum of 0.9 for further training, whatever the
        module's.

    Raises
    ------
    ModuleNotFoundError
        Without PyTorch.
    ValueError
        If a module is of another kind, or the layers do not follow the
        pattern above; the message names the module and says why.
    """
    torch = import_optional("torch", None, "minidl.export.from_torch")
    if not isinstance(module, torch.nn.Sequential):
        raise ValueError(f"from_torch needs a torch.nn.Sequential of {MODULE_NAMES}; got {type(module).__name__}")
    children = list(module)
    for position, child in enumerate(children):
        if kind_of(child, torch) is None:
            raise ValueError(f"from_torch: module {position} ({type(child).__name__}) has no minidl layer; "
                             f"minidl knows {MODULE_NAMES}")
    if children and kind_of(children[-1], torch) == "Softmax":
        if children[-1].dim not in (1, -1):
            raise ValueError(f"from_torch: the final Softmax must be over the classes (dim=1), not dim={children[-1].dim}")
        children = children[:-1]
    hidden = split_hidden_layers(children, torch)
    settings = hidden_settings(hidden, torch)
    linears = [group[0] for group in hidden] + [children[-1]]
    dtype = np.float64 if linears[0].weight.dtype == torch.float64 else np.float32
    network = MLP(linears[0].in_features, [linear.out_features for linear in linears[:-1]], linears[-1].out_features,
                  dtype=dtype, **settings)
    state = {}
    for index, linear in enumerate(linears, start=1):
        state[f"W{index}"] = array_of(linear.weight).T
        state[f"b{index}"] = np.zeros(linear.out_features) if linear.bias is None else array_of(linear.bias)
        if index <= len(hidden) and settings["batchnorm"]:
            state.update(batchnorm_state(hidden[index - 1][1], index))
    network.load_state_dict({name: value.astype(dtype) for name, value in state.items()})
    return network


def kind_of(child, torch):
    """The name of ``child``'s class if it is exactly one of :data:`KNOWN_MODULES` of ``torch.nn``, else None."""
    name = type(child).__name__
    return name if name in KNOWN_MODULES and type(child) is getattr(torch.nn, name) else None


def split_hidden_layers(children, torch):
    """The hidden layers as lists of modules, each starting with its Linear; checks the ends are Linear."""
    kinds = [kind_of(child, torch) for child in children]
    if not kinds or kinds[-1] != "Linear":
        raise ValueError("from_torch: the module must end with a Linear layer (the class scores), optionally "
                         "followed by Softmax(dim=1)")
    if kinds[0] != "Linear":
        raise ValueError(f"from_torch: the module must start with a Linear layer, not {kinds[0]}")
    groups = []
    for child, kind in zip(children[:-1], kinds[:-1]):
        if kind == "Linear":
            groups.append([])
        groups[-1].append(child)
    return groups


def hidden_settings(hidden, torch):
    """``activation``, ``dropout`` and ``batchnorm`` of the MLP, after checking every hidden layer agrees."""
    patterns = []
    for index, group in enumerate(hidden, start=1):
        kinds = [kind_of(child, torch) for child in group]
        batchnorm = kinds[1:2] == ["BatchNorm1d"]
        rest = kinds[1 + batchnorm:]
        if not rest or rest[0] not in ACTIVATION_NAMES or rest[1:] not in ([], ["Dropout"]):
            raise ValueError(
                f"from_torch: hidden layer {index} is {' -> '.join(kinds)}; an MLP's hidden layer is "
                "Linear -> [BatchNorm1d] -> ReLU|Sigmoid|Tanh -> [Dropout]"
            )
        if batchnorm:
            check_batchnorm(group[1], index)
        patterns.append({"activation": ACTIVATION_NAMES[rest[0]], "dropout": float(group[-1].p) if rest[1:] else 0.0,
                         "batchnorm": batchnorm})
    for index, pattern in enumerate(patterns[1:], start=2):
        if pattern != patterns[0]:
            raise ValueError(f"from_torch: hidden layer {index} has {pattern} but hidden layer 1 has {patterns[0]}; "
                             "every hidden layer of an MLP has the same activation, dropout and batch normalisation")
    return patterns[0] if patterns else {"batchnorm": False}


def check_batchnorm(batchnorm, index):
    """Refuse a BatchNorm1d that minidl's BatchNorm cannot reproduce at inference."""
    if batchnorm.running_mean is None:
        raise ValueError(f"from_torch: BatchNorm1d of hidden layer {index} keeps no running statistics "
                         "(track_running_stats=False), which minidl's BatchNorm needs at inference")
    if batchnorm.eps != 1e-5:
        raise ValueError(f"from_torch: BatchNorm1d of hidden layer {index} has eps={batchnorm.eps}; "
                         "minidl's BatchNorm in an MLP uses eps=1e-05, PyTorch's default")


def batchnorm_state(batchnorm, index):
    """``gamma``, ``beta`` and the running statistics of a BatchNorm1d, under the MLP's names."""
    size = batchnorm.num_features
    return {f"gamma{index}": array_of(batchnorm.weight) if batchnorm.affine else np.ones(size),
            f"beta{index}": array_of(batchnorm.bias) if batchnorm.affine else np.zeros(size),
            f"running_mean{index}": array_of(batchnorm.running_mean),
            f"running_var{index}": array_of(batchnorm.running_var)}


def array_of(tensor):
    """A numpy copy of a tensor (detached from autograd, on the CPU)."""
    return tensor.detach().cpu().numpy().copy()
