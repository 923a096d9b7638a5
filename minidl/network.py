"""The multilayer perceptron: affine layers and activations, trained by backprop."""

from __future__ import annotations

import numpy as np

from minidl.init import check_weight_init, initialize
from minidl.layers import ACTIVATIONS, Affine, BatchNorm, Dropout
from minidl.memory import check_network_size
from minidl.protocols import register_network
from minidl.sequential import BuiltSequential, Sequential
from minidl.settings import (
    Integer,
    check,
    check_choice,
    check_dtype,
    check_hidden_sizes,
    check_number,
    check_positive_int,
    check_seed,
)


@register_network
class MLP(BuiltSequential):
    """A fully connected classifier with hand-written backpropagation: a :class:`~minidl.Sequential` built from sizes.

    Each hidden layer is ``Affine -> [BatchNorm] -> activation -> [Dropout]``;
    the last is a plain ``Affine`` whose scores go to :class:`SoftmaxWithLoss`.

    Parameters
    ----------
    input_size : int
        Features a sample (784 for 28x28 MNIST images, 64 for 8x8 digits).
    hidden_sizes : list of int
        Width of each hidden layer, e.g. ``[100, 100]``; ``[]`` gives a
        softmax regression.
    output_size : int
        Number of classes (>= 2).
    activation : {"relu", "sigmoid", "tanh"}, default "relu"
    weight_init : str or float, default "he"
        A name from ``minidl.init.INITIALISERS`` or a standard deviation.
        "he" suits ReLU; "xavier" suits sigmoid and tanh.
    weight_decay : float, default 0.0
        L2 penalty :math:`\\lambda`: the loss gains
        :math:`\\frac{\\lambda}{2} \\sum W^2` over the weights (not biases,
        gammas or betas), and each weight gradient gains :math:`\\lambda W`.
    dropout : float in [0, 1), default 0.0
        Dropout ratio after each hidden activation; 0 adds no dropout layer.
    batchnorm : bool, default False
        Add a batch normalisation layer before each hidden activation.
    dtype : float32 or float64, default float32
        Dtype of every parameter and every computation; inputs are converted
        to it once, where they enter. float32 is about twice as fast; use
        float64 for gradient checks.
    seed : int or None
        Seeds ``self.rng``, which draws the initial weights and then the
        dropout masks: the same seed gives the same network, bit for bit.
        ``None`` means seed 0, so that even a run that names no seed can be
        reproduced; pass different seeds for different initialisations.

    Attributes
    ----------
    params : FlatArrays (a dict of str -> numpy.ndarray)
        ``W1, b1, [gamma1, beta1,] W2, b2, ...``. The layers hold references
        to these very arrays: update them *in place* (``W -= lr * dW``) to train.
        They are views into one buffer, ``params.flat``, so an optimizer can
        update them all at once (see :mod:`minidl.flat`).
    layers : Layers (an OrderedDict of str -> layer)
        ``Affine1, [BatchNorm1,] Activation1, [Dropout1,] Affine2, ...``.
        A layer may be replaced (``net.layers["Activation1"] = Tanh()``),
        none added: a key the network does not have is refused.
    last_layer : SoftmaxWithLoss
    rng : numpy.random.Generator

    Examples
    --------
    >>> net = MLP(64, [32], 10, seed=0)
    >>> sorted(net.params)
    ['W1', 'W2', 'b1', 'b2']
    """

    _called = "an MLP"

    def __init__(self, input_size, hidden_sizes, output_size, activation="relu", weight_init="he",
                 weight_decay=0.0, dropout=0.0, batchnorm=False, dtype=np.float32, seed=None):
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_sizes = check_hidden_sizes(hidden_sizes)
        self.output_size = check(output_size, Integer(2, note="the number of classes"), "output_size")
        self.activation = check_choice(activation, tuple(ACTIVATIONS), "activation")
        self.weight_init = check_weight_init(weight_init)
        self.weight_decay = check_number(weight_decay, "weight_decay", low=0.0)
        self.dropout = check_number(dropout, "dropout ratio", low=0.0, high=1.0, high_inclusive=False)
        if not isinstance(batchnorm, (bool, np.bool_)):
            raise ValueError(f"batchnorm must be True or False; got {batchnorm!r}")
        self.batchnorm = bool(batchnorm)
        self.dtype = check_dtype(dtype)
        self.seed = check_seed(seed) or 0
        self.rng = np.random.default_rng(self.seed)

        sizes = [self.input_size, *self.hidden_sizes, self.output_size]
        self.n_affine = len(sizes) - 1
        check_network_size(sizes, self.batchnorm, self.dtype)
        # The initial weights are drawn in layer order, W1 first; the dropout masks later, from the same rng.
        layers = []
        for index in range(1, self.n_affine + 1):
            fan_in, fan_out = sizes[index - 1], sizes[index]
            weights = initialize(self.weight_init, fan_in, fan_out, self.rng, self.dtype)
            # Nobody needs the gradient with respect to the data: skip it in layer 1.
            layers.append((f"Affine{index}", Affine(weights, np.zeros(fan_out, self.dtype),
                                                    needs_input_gradient=index > 1)))
            if index == self.n_affine:
                break
            if self.batchnorm:
                gamma, beta = np.ones(fan_out, self.dtype), np.zeros(fan_out, self.dtype)
                layers.append((f"BatchNorm{index}", BatchNorm(gamma, beta)))
            layers.append((f"Activation{index}", ACTIVATIONS[self.activation]()))
            if self.dropout > 0:
                layers.append((f"Dropout{index}", Dropout(self.dropout, rng=self.rng)))
        self._build(layers, None, (self.input_size,), self.weight_decay, self.dtype, self.rng,
                    output_size=self.output_size)

    @staticmethod
    def _layout(sizes, batchnorm):
        """Names and shapes of the parameters, in the order they lie in ``params.flat``."""
        layout = []
        for index in range(1, len(sizes)):
            layout += [(f"W{index}", (sizes[index - 1], sizes[index])), (f"b{index}", (sizes[index],))]
            if batchnorm and index < len(sizes) - 1:
                layout += [(f"gamma{index}", (sizes[index],)), (f"beta{index}", (sizes[index],))]
        return layout

    # ========================================================== configuration
    @property
    def config(self):
        """The constructor arguments as a JSON-serialisable dict (rebuild with :meth:`from_config`)."""
        return {
            "input_size": self.input_size,
            "hidden_sizes": list(self.hidden_sizes),
            "output_size": self.output_size,
            "activation": self.activation,
            "weight_init": self.weight_init,
            "weight_decay": self.weight_decay,
            "dropout": self.dropout,
            "batchnorm": self.batchnorm,
            "dtype": self.dtype.name,
            "seed": self.seed,
        }

    @classmethod
    def state_shapes(cls, config):
        """Name -> shape of every array :meth:`state_dict` holds for ``config``, without building the network.

        A loader compares these with the arrays of a file *before* building
        anything, so settings that ask for far more than the file holds
        (``hidden_sizes=[50_000_000]`` beside 16-unit arrays) are refused at
        once, not after gigabytes are allocated and filled with initial weights.
        """
        config = cls._checked_keys(config)
        sizes = [check_positive_int(config["input_size"], "input_size"), *check_hidden_sizes(config["hidden_sizes"]),
                 check_positive_int(config["output_size"], "output_size")]
        batchnorm = bool(config.get("batchnorm", False))
        shapes = dict(cls._layout(sizes, batchnorm))
        if batchnorm:
            for index in range(1, len(sizes) - 1):
                shapes[f"running_mean{index}"] = shapes[f"running_var{index}"] = (sizes[index],)
        return shapes

    @property
    def layer_sizes(self):
        """``[input_size, *hidden_sizes, output_size]``: the widths between the matrix products."""
        return [self.input_size, *self.hidden_sizes, self.output_size]

    # ========================================================= description
    def describe(self):
        """One line such as ``784 -> 100 -> 10 (relu)``."""
        sizes = [self.input_size, *self.hidden_sizes, self.output_size]
        return " -> ".join(map(str, sizes)) + f" ({self.activation})"

    def __repr__(self):
        options = ", ".join(f"{key}={value!r}" for key, value in self.config.items() if key not in
                            ("input_size", "hidden_sizes", "output_size"))
        lines = [f"MLP({self.describe()}, {options})"]
        lines += [f"  ({name}): {layer!r}" for name, layer in self.layers.items()]
        lines.append(f"  (last_layer): {self.last_layer!r}")
        count = sum(array.size for array in self.params.values())
        lines.append(f"  {count:,} parameters")
        return "\n".join(lines)

    # IPython looks for _repr_pretty_ in the class that defines __repr__: the summary table still.
    _repr_pretty_ = Sequential._repr_pretty_
