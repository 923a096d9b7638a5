"""The multilayer perceptron: affine layers and activations, trained by backprop."""

from __future__ import annotations

import inspect
from collections import OrderedDict

import numpy as np

from minidl.flat import FlatArrays
from minidl.init import check_weight_init, initialize
from minidl.layers import ACTIVATIONS, Affine, BatchNorm, Dropout
from minidl.losses import SoftmaxWithLoss, softmax
from minidl.memory import check_network_size
from minidl.settings import (
    check_choice,
    check_dtype,
    check_hidden_sizes,
    check_number,
    check_positive_int,
    check_seed,
)
from minidl.validation import check_features, check_labels, check_state


class MLP:
    """A fully connected classifier with hand-written backpropagation.

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
    layers : OrderedDict of str -> layer
        ``Affine1, [BatchNorm1,] Activation1, [Dropout1,] Affine2, ...``.
    last_layer : SoftmaxWithLoss
    rng : numpy.random.Generator

    Examples
    --------
    >>> net = MLP(64, [32], 10, seed=0)
    >>> sorted(net.params)
    ['W1', 'W2', 'b1', 'b2']
    """

    def __init__(self, input_size, hidden_sizes, output_size, activation="relu", weight_init="he",
                 weight_decay=0.0, dropout=0.0, batchnorm=False, dtype=np.float32, seed=None):
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_sizes = check_hidden_sizes(hidden_sizes)
        self.output_size = check_positive_int(output_size, "output_size")
        if self.output_size < 2:
            raise ValueError(f"output_size is the number of classes and must be >= 2; got {output_size!r}")
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
        self.params = FlatArrays(self._layout(sizes, self.batchnorm), self.dtype)
        self.layers = OrderedDict()
        # Layer name -> {layer attribute: parameter name}, e.g. "Affine1": {"W": "W1", "b": "b1"}.
        self._layer_params = {}
        for index in range(1, self.n_affine + 1):
            fan_in, fan_out = sizes[index - 1], sizes[index]
            weights, biases = self.params[f"W{index}"], self.params[f"b{index}"]
            weights[...] = initialize(self.weight_init, fan_in, fan_out, self.rng, self.dtype)
            # Nobody needs the gradient with respect to the data: skip it in layer 1.
            self.layers[f"Affine{index}"] = Affine(weights, biases, needs_input_gradient=index > 1)
            self._layer_params[f"Affine{index}"] = {"W": f"W{index}", "b": f"b{index}"}
            if index == self.n_affine:
                break
            if self.batchnorm:
                gamma, beta = self.params[f"gamma{index}"], self.params[f"beta{index}"]
                gamma[...] = 1.0
                self.layers[f"BatchNorm{index}"] = BatchNorm(gamma, beta)
                self._layer_params[f"BatchNorm{index}"] = {"gamma": f"gamma{index}", "beta": f"beta{index}"}
            self.layers[f"Activation{index}"] = ACTIVATIONS[self.activation]()
            if self.dropout > 0:
                self.layers[f"Dropout{index}"] = Dropout(self.dropout, rng=self.rng)
        self.last_layer = SoftmaxWithLoss()

    @staticmethod
    def _layout(sizes, batchnorm):
        """Names and shapes of the parameters, in the order they lie in ``params.flat``."""
        layout = []
        for index in range(1, len(sizes)):
            layout += [(f"W{index}", (sizes[index - 1], sizes[index])), (f"b{index}", (sizes[index],))]
            if batchnorm and index < len(sizes) - 1:
                layout += [(f"gamma{index}", (sizes[index],)), (f"beta{index}", (sizes[index],))]
        return layout

    # ================================================================ forward
    def _forward(self, x, train):
        for layer in self.layers.values():
            x = layer.forward(x, train=train)
        return x

    def predict(self, x, train=False):
        """Return the class scores (logits) of ``x``, shape (N, output_size).

        ``x`` has shape (N, input_size) or (N, ...) with as many features. In
        evaluation mode (the default) dropout is off and batch normalisation
        uses its running statistics. The predicted class is ``scores.argmax(axis=1)``.
        """
        x = check_features(x, self.input_size, self.dtype)
        return self._forward(x, train)

    def predict_proba(self, x):
        """Return class probabilities (softmax of the scores), shape (N, output_size)."""
        return softmax(self.predict(x, train=False), axis=1)

    def _weight_penalty(self):
        if self.weight_decay == 0.0:
            return 0.0
        # vdot flattens and multiplies-adds in one BLAS call, with no W**2 temporary.
        weights = [self.params[f"W{index}"] for index in range(1, self.n_affine + 1)]
        squares = sum(float(np.vdot(W, W)) for W in weights)
        return 0.5 * self.weight_decay * squares

    def loss(self, x, t, train=True):
        """Return the mean cross-entropy of ``x`` against labels ``t``, plus the weight penalty.

        ``t`` holds integer labels (N,) or one-hot rows (N, output_size).
        ``train=True`` (the default, as for a training step) draws dropout
        masks from ``rng`` and moves the batch-norm running statistics; pass
        ``train=False`` to measure a validation loss without side effects.
        """
        return self._loss(check_features(x, self.input_size, self.dtype), t, train)

    def _loss(self, x, t, train):
        # The loss of an x already checked (by loss or loss_and_gradient, or by the Trainer's fit).
        return self.last_layer.forward(self._forward(x, train), t) + self._weight_penalty()

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
        write their gradients straight into views of one new buffer
        (``grads.flat``), in the layout of ``params.flat``.

        The :class:`~minidl.training.Trainer` calls ``_loss_and_gradient``,
        the same without the check of ``x``, since ``fit`` checks the whole
        data set once: a subclass that changes the computation overrides that.
        """
        return self._loss_and_gradient(check_features(x, self.input_size, self.dtype), t)

    def _loss_and_gradient(self, x, t):
        # x is a checked 2-D array of dtype with input_size columns; the labels are checked by the loss layer.
        loss = self._loss(x, t, train=True)
        # A fresh buffer each call, so gradients kept from an earlier call stay as they were.
        grads = self.params.empty_like()
        dout = self.last_layer.backward(1.0)
        for name, layer in reversed(self.layers.items()):
            # Affine and BatchNorm write dW, db, dgamma, dbeta into the views of grads.
            outputs = {"d" + attribute: grads[param] for attribute, param in self._layer_params.get(name, {}).items()}
            dout = layer.backward(dout, **outputs)
        if self.weight_decay:
            for index in range(1, self.n_affine + 1):
                grads[f"W{index}"] += self.weight_decay * self.params[f"W{index}"]
        return loss, grads

    def gradient(self, x, t):
        """Return the gradients of :meth:`loss`, a dict with the keys of ``params`` (see :meth:`loss_and_gradient`)."""
        return self.loss_and_gradient(x, t)[1]

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
    def from_config(cls, config):
        """Build a network from a :attr:`config` dict (same seed: same initial weights)."""
        return cls(**cls._checked_keys(config))

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

    @classmethod
    def _checked_keys(cls, config):
        # The values are checked by __init__; here only that config names its arguments.
        if not isinstance(config, dict):
            raise ValueError(f"config must be a dict such as MLP.config; got {type(config).__name__}")
        known = set(inspect.signature(cls.__init__).parameters) - {"self"}
        unknown = sorted(set(config) - known)
        missing = sorted({"input_size", "hidden_sizes", "output_size"} - set(config))
        if unknown or missing:
            raise ValueError(
                f"config does not describe an MLP: unknown keys {unknown}, missing keys {missing}; "
                f"the keys are {sorted(known)}"
            )
        return config

    def _state_arrays(self):
        """Name -> the live array (not a copy) of every value a checkpoint must restore."""
        state = dict(self.params)
        for index in range(1, self.n_affine):
            if self.batchnorm:
                batchnorm = self.layers[f"BatchNorm{index}"]
                state[f"running_mean{index}"] = batchnorm.running_mean
                state[f"running_var{index}"] = batchnorm.running_var
        return state

    def state_dict(self):
        """Return copies of all parameters and batch-norm running statistics, name -> array."""
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

    def __setstate__(self, state):
        # After pickle or copy.deepcopy, which rebuild params over a new buffer
        # (see minidl.flat) and copy the layers' arrays apart from it: point
        # the layers at the arrays of params again, so that training reaches them.
        self.__dict__.update(state)
        for name, attributes in self._layer_params.items():
            for attribute, param in attributes.items():
                setattr(self.layers[name], attribute, self.params[param])

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

    def _repr_pretty_(self, printer, cycle):
        """IPython's display: a summary table, one row a layer (see :mod:`minidl.summary`)."""
        from minidl.summary import summary_text

        printer.text(summary_text(self))

    def _repr_html_(self):
        """Jupyter's display: the summary table in HTML."""
        from minidl.summary import summary_html

        return summary_html(self)
