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
  out the inverted way (rescale in training, nothing at inference);
- ``Convolution(W, b, stride, pad)`` is ``nn.Conv2d`` with the same
  ``weight = W`` (both lay filters out as (filters, channels, height,
  width)), ``bias = b``, ``stride`` and ``padding``;
- ``Pooling(pool_h, pool_w, stride, pad)`` is ``nn.MaxPool2d((pool_h,
  pool_w), stride, padding)``: both pad with ``-inf``, which never wins;
- an ``Affine`` layer takes an image (C, H, W) as one row of C * H * W
  numbers, while ``nn.Linear`` acts on the last axis only: an
  ``nn.Flatten()`` goes before it where its input is an image.

So :func:`to_torch` gives a module that computes the same scores as
``net.predict`` (``softmax=True`` adds ``nn.Softmax`` for the probabilities
of ``net.predict_proba``), and :func:`from_torch` rebuilds a minidl network
from such a module, whoever trained it: an :class:`~minidl.MLP` from
``Linear`` layers shaped like one, a :class:`~minidl.SimpleConvNet` from the
book's ``Conv2d -> ReLU -> MaxPool2d(2) -> Flatten -> Linear -> ReLU ->
Linear``, any other convolutional module as a :class:`~minidl.Sequential`
of the same layers.

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
>>> cnn = from_torch(to_torch(convnet), input_shape=(1, 28, 28))   # doctest: +SKIP
"""

from __future__ import annotations

import math

import numpy as np

from minidl.convnet import SimpleConvNet
from minidl.export.layers import exportable_layers
from minidl.layers import Affine, BatchNorm, Convolution, Dropout, Pooling, ReLU, Sigmoid, Tanh
from minidl.network import MLP
from minidl.optional import import_optional
from minidl.sequential import Sequential
from minidl.settings import COUNT

#: minidl activation layer -> the torch.nn class of the same name, and back to the MLP's activation.
ACTIVATION_MODULES = {ReLU: "ReLU", Sigmoid: "Sigmoid", Tanh: "Tanh"}
ACTIVATION_NAMES = {"ReLU": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh"}
#: The torch.nn classes from_torch reads; exact classes only, as a subclass may compute something else.
KNOWN_MODULES = ("Linear", "BatchNorm1d", "ReLU", "Sigmoid", "Tanh", "Dropout", "Conv2d", "MaxPool2d", "Flatten",
                 "Softmax")
MODULE_NAMES = ("Linear, ReLU, Sigmoid, Tanh, BatchNorm1d, Dropout, Conv2d, MaxPool2d, Flatten and a final "
                "Softmax(dim=1)")
#: The modules of the book's SimpleConvNet, in order.
SIMPLE_CONVNET = ["Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear", "ReLU", "Linear"]


# ================================================================ to PyTorch
def to_torch(network, softmax=False):
    """Return ``network`` as a ``torch.nn.Sequential`` with the same weights, in evaluation mode.

    Parameters
    ----------
    network : minidl.Sequential
        An MLP, a SimpleConvNet, or a Sequential of Affine, BatchNorm, ReLU,
        Sigmoid, Tanh, Dropout, Convolution and Pooling layers.
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
    TypeError
        If ``network`` is not a minidl network.
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
        for _, layer, input_shape in layers:
            kind = type(layer)
            if kind is Affine:
                if len(input_shape) > 1:  # an image: nn.Linear would act on its last axis only
                    modules.append(nn.Flatten())
                fan_in, fan_out = layer.W.shape
                module = nn.Linear(fan_in, fan_out, dtype=getattr(torch, layer.W.dtype.name))
                module.weight.copy_(parameter(layer.W.T))
                module.bias.copy_(parameter(layer.b))
            elif kind is Convolution:
                filters, channels, filter_h, filter_w = layer.W.shape
                module = nn.Conv2d(channels, filters, (filter_h, filter_w), stride=layer.stride, padding=layer.pad,
                                   dtype=getattr(torch, layer.W.dtype.name))
                module.weight.copy_(parameter(layer.W))
                module.bias.copy_(parameter(layer.b))
            elif kind is Pooling:
                module = nn.MaxPool2d((layer.pool_h, layer.pool_w), stride=layer.stride, padding=layer.pad)
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
def from_torch(module, input_shape=None):
    """Rebuild a minidl network from a ``torch.nn.Sequential`` of modules minidl has layers for.

    Parameters
    ----------
    module : torch.nn.Sequential
        Either the layers of an MLP: hidden layers ``Linear ->
        [BatchNorm1d] -> ReLU|Sigmoid|Tanh -> [Dropout]``, all with the same
        activation, the same dropout ratio and batch normalisation in all or
        none, then a last ``Linear``. Or a convolutional network: ``Conv2d``,
        ``MaxPool2d``, ``ReLU``, ``Sigmoid``, ``Tanh``, ``Dropout`` on
        images, an ``nn.Flatten()``, then ``Linear``, ``BatchNorm1d`` and
        the same activations on rows. Either may end with
        ``Softmax(dim=1)`` (``predict_proba``). What :func:`to_torch`
        returns is such a module.
    input_shape : tuple of int, optional
        The shape of one image, (channels, height, width): needed for a
        module with ``Conv2d`` or ``MaxPool2d``, which PyTorch builds for
        images of any size. For an MLP, if given, the number of its entries
        must be the first Linear's ``in_features``.

    Returns
    -------
    minidl.MLP, minidl.SimpleConvNet or minidl.Sequential
        An MLP for the layers of one (a ``Flatten`` is dropped: an MLP
        takes images as rows); a SimpleConvNet for the book's modules
        ``Conv2d`` (square filters) ``-> ReLU -> MaxPool2d(2) -> Flatten ->
        Linear -> ReLU -> Linear``; else a Sequential of the same layers.
        Same weights (copies) and batch-norm running statistics; dtype
        float64 if the module's parameters are float64, else float32;
        ``weight_decay=0``. The BatchNorm layers keep minidl's momentum of
        0.9 for further training, whatever the module's.

    Raises
    ------
    ModuleNotFoundError
        Without PyTorch.
    ValueError
        If a module is of another kind or has settings minidl's layer lacks
        (dilation, groups, unequal strides or padding, ``ceil_mode``), the
        layers do not follow one of the patterns above, or ``input_shape``
        is missing; the message names the module and says why.
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
    kinds = [kind_of(child, torch) for child in children]
    for position, (child, kind) in enumerate(zip(children, kinds)):
        if kind == "Flatten" and (child.start_dim != 1 or child.end_dim != -1):
            raise ValueError(f"from_torch: module {position} is Flatten(start_dim={child.start_dim}, "
                             f"end_dim={child.end_dim}); minidl's Affine flattens all but the batch axis, "
                             "nn.Flatten() (start_dim=1, end_dim=-1)")
        if kind == "Softmax":
            raise ValueError(f"from_torch: module {position} is a Softmax; minidl has a Softmax only at the end, "
                             "as the probabilities of predict_proba")
    if "Conv2d" in kinds or "MaxPool2d" in kinds:
        return convolutional_network(children, kinds, input_shape, torch)
    # Without images, a Flatten first makes rows of them, as an MLP's check of its input does, and any later
    # one leaves rows as they are: an MLP holds the rest.
    return mlp([child for child, kind in zip(children, kinds) if kind != "Flatten"], input_shape, torch)


def mlp(children, input_shape, torch):
    """The :class:`~minidl.MLP` of ``children``, Linear layers shaped like an MLP's."""
    hidden = split_hidden_layers(children, torch)
    settings = hidden_settings(hidden, torch)
    linears = [group[0] for group in hidden] + [children[-1]]
    shape = None if input_shape is None else checked_input_shape(input_shape)
    if shape is not None and math.prod(shape) != linears[0].in_features:
        raise ValueError(f"from_torch: input_shape {shape} holds {math.prod(shape)} numbers, but the first Linear "
                         f"takes {linears[0].in_features}")
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


def convolutional_network(children, kinds, input_shape, torch):
    """The :class:`~minidl.SimpleConvNet` or :class:`~minidl.Sequential` of a module with Conv2d or MaxPool2d."""
    if input_shape is None:
        raise ValueError("from_torch: a module with Conv2d or MaxPool2d needs input_shape=(channels, height, width), "
                         "the shape of one image, which PyTorch's modules do not record; e.g. input_shape=(1, 28, 28)")
    input_shape = checked_input_shape(input_shape)
    if len(input_shape) != 3:
        raise ValueError(f"from_torch: input_shape must be (channels, height, width) for Conv2d and MaxPool2d; "
                         f"got {input_shape}")
    weighted = [child for child in children if getattr(child, "weight", None) is not None]
    dtype = np.float64 if weighted and weighted[0].weight.dtype == torch.float64 else np.float32
    layers, images = [], True  # images: the module's data is (N, C, H, W) at this point, not rows
    for position, (child, kind) in enumerate(zip(children, kinds)):
        if kind in ("Conv2d", "MaxPool2d") and not images:
            raise ValueError(f"from_torch: module {position} ({kind}) comes after a Flatten or a Linear; minidl's "
                             "Convolution and Pooling take images (N, C, H, W), so they come before")
        if kind == "Linear" and images:
            raise ValueError(f"from_torch: module {position} (Linear) takes images (N, C, H, W), on whose last axis "
                             "PyTorch's Linear acts; minidl's Affine takes each whole image as a row: put an "
                             "nn.Flatten() before the Linear")
        if kind == "BatchNorm1d" and images:
            raise ValueError(f"from_torch: module {position} (BatchNorm1d) takes images; minidl's BatchNorm takes "
                             "rows (N, D): put it after an nn.Flatten()")
        if kind in ("Flatten", "Linear"):
            images = False
        if kind != "Flatten":
            layers.append(layer_of(child, kind, position, dtype))
    network = Sequential(layers, input_shape=input_shape, dtype=dtype)
    return simple_convnet(network, children) if kinds == SIMPLE_CONVNET else network


def layer_of(child, kind, position, dtype):
    """The minidl layer that computes what module ``child`` (of class ``kind``) does, with copies of its arrays."""
    where = f"from_torch: module {position} ({kind})"
    if kind == "Linear":
        bias = np.zeros(child.out_features) if child.bias is None else array_of(child.bias)
        return Affine(array_of(child.weight).T.astype(dtype), bias.astype(dtype))
    if kind == "Conv2d":
        if (child.groups != 1 or tuple(child.dilation) != (1, 1) or child.padding_mode != "zeros"
                or isinstance(child.padding, str) and child.padding != "valid"):
            raise ValueError(f"{where} has groups={child.groups}, dilation={child.dilation}, padding={child.padding!r}, "
                             f"padding_mode={child.padding_mode!r}; minidl's Convolution has groups=1, dilation=1, "
                             "a number of zeros for padding")
        stride = same_on_both_axes(child.stride, f"{where} stride")
        pad = 0 if child.padding == "valid" else same_on_both_axes(child.padding, f"{where} padding")
        bias = np.zeros(child.out_channels) if child.bias is None else array_of(child.bias)
        return Convolution(array_of(child.weight).astype(dtype), bias.astype(dtype), stride=stride, pad=pad)
    if kind == "MaxPool2d":
        if child.ceil_mode or child.return_indices or same_on_both_axes(child.dilation, f"{where} dilation") != 1:
            raise ValueError(f"{where} has ceil_mode={child.ceil_mode}, return_indices={child.return_indices}, "
                             f"dilation={child.dilation}; minidl's Pooling rounds down and has no dilation")
        pool_h, pool_w = pair(child.kernel_size)
        return Pooling(pool_h, pool_w, stride=same_on_both_axes(child.stride, f"{where} stride"),
                       pad=same_on_both_axes(child.padding, f"{where} padding"))
    if kind == "BatchNorm1d":
        if child.running_mean is None:
            raise ValueError(f"{where} keeps no running statistics (track_running_stats=False), which minidl's "
                             "BatchNorm needs at inference")
        state = batchnorm_state(child, "")
        layer = BatchNorm(state["gamma"].astype(dtype), state["beta"].astype(dtype), epsilon=child.eps)
        layer.running_mean, layer.running_var = state["running_mean"].astype(dtype), state["running_var"].astype(dtype)
        return layer
    if kind == "Dropout":
        return Dropout(float(child.p))
    return {"ReLU": ReLU, "Sigmoid": Sigmoid, "Tanh": Tanh}[kind]()


def simple_convnet(network, children):
    """``network`` (a Sequential of the book's layers) as a :class:`~minidl.SimpleConvNet`, if one can hold it."""
    convolution = network.layers["Convolution1"]
    filters, channels, filter_h, filter_w = convolution.W.shape
    pooling = network.layers["Pooling1"]
    if filter_h != filter_w or (pooling.pool_h, pooling.pool_w, pooling.stride, pooling.pad) != (2, 2, 2, 0):
        return network  # not the book's square filters and 2x2 pooling: the Sequential holds it
    convnet = SimpleConvNet(input_dim=network.input_shape, hidden_size=children[4].out_features,
                            conv_param={"filter_num": filters, "filter_size": filter_h, "pad": convolution.pad,
                                        "stride": convolution.stride},
                            output_size=network.output_size, dtype=network.dtype)
    convnet.load_state_dict(network.state_dict())
    return convnet


def pair(value):
    """An int or a pair of ints, as PyTorch gives sizes, as a pair."""
    return (value, value) if isinstance(value, int) else tuple(value)


def same_on_both_axes(value, what):
    """The one number of ``value`` (an int, or a pair of equal ints); minidl's layers have one for both axes."""
    first, second = pair(value)
    if first != second:
        raise ValueError(f"{what} is {tuple(pair(value))}, not the same along the height and the width, as "
                         "minidl's layers have it")
    return first


def checked_input_shape(input_shape):
    """``input_shape`` as a tuple of positive ints, else ValueError."""
    shape = (input_shape,) if isinstance(input_shape, int) else input_shape
    if not isinstance(shape, (tuple, list)) or not shape or not all(COUNT.accepts(size) for size in shape):
        raise ValueError(f"from_torch: input_shape must be a tuple of positive integers such as (1, 28, 28); "
                         f"got {input_shape!r}")
    return tuple(int(size) for size in shape)


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
