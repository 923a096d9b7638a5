"""The book's convolutional network: convolution, ReLU, max pooling, then two affine layers."""

from __future__ import annotations

import inspect
import math

import numpy as np

from minidl.init import check_weight_init, initialize
from minidl.layers import Affine, Convolution, Pooling, ReLU
from minidl.layers.im2col import check_stride_and_pad, output_size
from minidl.protocols import register_network
from minidl.sequential import BuiltSequential
from minidl.settings import COUNT, Integer, check, check_dtype, check_positive_int, check_seed

#: The book's settings of the convolution layer.
DEFAULT_CONV_PARAM = {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1}


@register_network
class SimpleConvNet(BuiltSequential):
    """The convolutional classifier of the book "Deep Learning from Scratch", chapter 7.

    ``Convolution - ReLU - Pooling (2x2 max) - Affine - ReLU - Affine`` and
    :class:`~minidl.losses.SoftmaxWithLoss`, a :class:`~minidl.Sequential`
    built from these settings. The book's network reaches about 99 % on MNIST.

    Parameters
    ----------
    input_dim : tuple of int, default (1, 28, 28)
        One image: (channels, height, width).
    conv_param : dict, default ``{"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1}``
        The convolution: number of filters, their (square) size, padding and
        stride. Missing keys take these defaults.
    hidden_size : int, default 100
        Width of the hidden affine layer.
    output_size : int, default 10
        Number of classes.
    weight_init : str or float, default "he"
        As for :class:`~minidl.MLP`: a name (He for ReLU networks) or a
        standard deviation (the book's ``weight_init_std=0.01``). The fan-in
        of a filter is ``channels * filter_size**2``.
    seed : int or None, default 0
        Seeds the initial weights (W1, then W2, then W3).
    dtype : float32 or float64, default float32

    Attributes
    ----------
    params : FlatArrays
        ``W1`` (filters, channels, size, size), ``b1`` (filters,), ``W2``
        (filters * pooled_h * pooled_w, hidden_size), ``b2``, ``W3``
        (hidden_size, output_size), ``b3``.
    layers : Layers
        ``Conv1, Relu1, Pool1, Affine1, Relu2, Affine2``, the book's names.

    Notes
    -----
    The convolution gives ``conv_h = (H + 2 pad - filter_size) // stride + 1``
    rows (the same for the columns); pooling halves them (rounding down), so
    the first affine layer takes ``filter_num * (conv_h // 2) * (conv_w // 2)``
    inputs: 30 * 12 * 12 = 4,320 for MNIST.

    Examples
    --------
    >>> net = SimpleConvNet(input_dim=(1, 8, 8), conv_param={"filter_num": 4, "filter_size": 3}, hidden_size=16)
    >>> {name: array.shape for name, array in net.params.items()}["W2"]
    (36, 16)
    """

    _called = "a SimpleConvNet"

    def __init__(self, input_dim=(1, 28, 28), conv_param=None, hidden_size=100, output_size=10, weight_init="he",
                 seed=0, dtype=np.float32):
        self.input_dim = _check_input_dim(input_dim)
        self.conv_param = _check_conv_param(conv_param)
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        output_size = check(output_size, Integer(2, note="the number of classes"), "output_size")
        self.weight_init = check_weight_init(weight_init)
        self.dtype = check_dtype(dtype)
        self.seed = check_seed(seed) or 0
        self.rng = np.random.default_rng(self.seed)
        shapes = self._shapes(self.input_dim, self.conv_param, self.hidden_size, output_size)
        filters, channels, size, _ = shapes["W1"]
        # A filter is a row of W_flat: draw (fan_in, filters) as for an affine layer, one column a filter.
        filter_matrix = initialize(self.weight_init, channels * size * size, filters, self.rng, self.dtype)
        W1 = np.ascontiguousarray(filter_matrix.T).reshape(shapes["W1"])
        W2 = initialize(self.weight_init, *shapes["W2"], self.rng, self.dtype)
        W3 = initialize(self.weight_init, *shapes["W3"], self.rng, self.dtype)
        zeros = lambda name: np.zeros(shapes[name], self.dtype)  # noqa: E731
        stride, pad = self.conv_param["stride"], self.conv_param["pad"]
        layers = [
            # Nobody needs the gradient with respect to the images: skip it in the first layer.
            ("Conv1", Convolution(W1, zeros("b1"), stride=stride, pad=pad, needs_input_gradient=False)),
            ("Relu1", ReLU()),
            ("Pool1", Pooling(2, 2, stride=2)),
            ("Affine1", Affine(W2, zeros("b2"))),
            ("Relu2", ReLU()),
            ("Affine2", Affine(W3, zeros("b3"))),
        ]
        self._build(layers, None, self.input_dim, 0.0, self.dtype, self.rng, output_size=output_size)

    def _input_advice(self, width):
        """Name input_dim, the image shape it expects, and the input_dim that fits ``width`` numbers if square."""
        channels = self.input_dim[0]
        advice = f"a SimpleConvNet takes images of shape {self.input_dim} (channels, height, width), its input_dim; "
        side = math.isqrt(width // channels) if width % channels == 0 else 0
        if side and side * side * channels == width:
            return advice + f"for these, build SimpleConvNet(input_dim=({channels}, {side}, {side}))"
        return (advice + f"for these, build SimpleConvNet(input_dim=(channels, height, width)) with "
                f"channels * height * width = {width}")

    @staticmethod
    def _shapes(input_dim, conv_param, hidden_size, output_size):
        """Name -> shape of every parameter, in layer order."""
        channels, height, width = input_dim
        filters, size = conv_param["filter_num"], conv_param["filter_size"]
        conv_h = output_size_of(height, size, conv_param)
        conv_w = output_size_of(width, size, conv_param)
        if conv_h < 2 or conv_w < 2:
            raise ValueError(
                f"a {size}x{size} convolution with pad {conv_param['pad']} and stride {conv_param['stride']} "
                f"leaves {max(conv_h, 0)}x{max(conv_w, 0)} of a {height}x{width} image, too little for 2x2 "
                "pooling; use a smaller filter_size or more pad"
            )
        pooled = filters * (conv_h // 2) * (conv_w // 2)
        return {"W1": (filters, channels, size, size), "b1": (filters,), "W2": (pooled, hidden_size),
                "b2": (hidden_size,), "W3": (hidden_size, output_size), "b3": (output_size,)}

    # ========================================================== configuration
    @property
    def config(self):
        """The constructor arguments as a JSON-serialisable dict (rebuild with :meth:`from_config`)."""
        return {
            "input_dim": list(self.input_dim),
            "conv_param": dict(self.conv_param),
            "hidden_size": self.hidden_size,
            "output_size": self.output_size,
            "weight_init": self.weight_init,
            "dtype": self.dtype.name,
            "seed": self.seed,
        }

    @classmethod
    def state_shapes(cls, config):
        """Name -> shape of every array :meth:`state_dict` holds for ``config``, without building the network."""
        config = cls._checked_keys(config)
        defaults = inspect.signature(cls.__init__).parameters
        setting = lambda name: config.get(name, defaults[name].default)  # noqa: E731
        return cls._shapes(_check_input_dim(setting("input_dim")), _check_conv_param(setting("conv_param")),
                           check_positive_int(setting("hidden_size"), "hidden_size"),
                           check_positive_int(setting("output_size"), "output_size"))

    def describe(self):
        """One line such as ``(1, 28, 28) -> conv 30x5x5 -> pool 2x2 -> 100 -> 10 classes``."""
        conv = self.conv_param
        return (f"({', '.join(map(str, self.input_dim))}) -> conv {conv['filter_num']}x{conv['filter_size']}x"
                f"{conv['filter_size']} (stride {conv['stride']}, pad {conv['pad']}) -> pool 2x2 -> "
                f"{self.hidden_size} -> {self.output_size} classes")


def output_size_of(size, filter_size, conv_param):
    return output_size(size, filter_size, conv_param["stride"], conv_param["pad"])


def _check_input_dim(input_dim):
    if (not isinstance(input_dim, (tuple, list)) or len(input_dim) != 3 or not all(
            COUNT.accepts(size) for size in input_dim)):
        raise ValueError(f"input_dim must be (channels, height, width) such as (1, 28, 28); got {input_dim!r}")
    return tuple(int(size) for size in input_dim)


def _check_conv_param(conv_param):
    if conv_param is None:
        return dict(DEFAULT_CONV_PARAM)
    if not isinstance(conv_param, dict) or set(conv_param) - set(DEFAULT_CONV_PARAM):
        raise ValueError(f"conv_param must be a dict with keys among {sorted(DEFAULT_CONV_PARAM)}; "
                         f"got {conv_param!r}")
    settings = {**DEFAULT_CONV_PARAM, **conv_param}
    settings["filter_num"] = check_positive_int(settings["filter_num"], "conv_param['filter_num']")
    settings["filter_size"] = check_positive_int(settings["filter_size"], "conv_param['filter_size']")
    settings["stride"], settings["pad"] = check_stride_and_pad(settings["stride"], settings["pad"], "SimpleConvNet")
    return settings
