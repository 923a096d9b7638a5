"""A minidl network as a scikit-learn classifier: ``MinidlClassifier``, ``MinidlConvClassifier``.

scikit-learn's tools (``Pipeline``, ``GridSearchCV``, ``cross_val_score``)
work with any object that follows its estimator conventions. This module
wraps :class:`minidl.MLP` and :class:`minidl.training.Trainer` in such an
object, so a student can tune minidl's hyperparameters with the tools used
everywhere else. Its parameters carry the names of
``sklearn.neural_network.MLPClassifier`` wherever they mean the same thing,
so code written for one runs with the other::

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler
    from minidl.sklearn import MinidlClassifier

    model = make_pipeline(MinMaxScaler(), MinidlClassifier(hidden_layer_sizes=(100,), max_iter=50))
    model.fit(x_train, y_train)          # y may hold strings, as fetch_openml returns them
    model.score(x_test, y_test)

It passes scikit-learn's own estimator checks (``tests/test_sklearn.py``).
``MinidlConvClassifier`` is its sibling for images: the book's
:class:`minidl.SimpleConvNet`, trained the same way, on flat rows or on
images (n_samples, channels, height, width) (``tests/test_sklearn_conv.py``).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from minidl import optim
from minidl.convnet import SimpleConvNet
from minidl.network import MLP
from minidl.protocols import build_network
from minidl.settings import COUNT, SEED, Real, check, check_number, check_positive_int
from minidl.training import EarlyStopping, Trainer
from minidl.training.checkpoints import restore_trainer, trainer_state

#: The default of the parameters that minidl 0.1 named differently: not given.
DEPRECATED = "deprecated"


class MinidlClassifier(ClassifierMixin, BaseEstimator):
    """A multilayer perceptron trained by minidl, with scikit-learn's interface.

    The parameters up to ``n_iter_no_change`` are those of scikit-learn's
    ``MLPClassifier``, with the same meaning and defaults (where minidl
    differs, the entry says so); the others are minidl's own.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int or int, default (100,)
        Width of each hidden layer; ``()`` gives a softmax regression.
    activation : {"relu", "logistic", "sigmoid", "tanh"}, default "relu"
        ``"logistic"`` (scikit-learn's name) and ``"sigmoid"`` are the same
        function. (``"identity"`` is not available.)
    solver : str, default "adam"
        ``"adam"``, or ``"sgd"``: mini-batch SGD with ``momentum`` (Nesterov's
        when ``nesterovs_momentum``), as in ``MLPClassifier``. Any other
        optimizer minidl knows (``"rmsprop"``, ``"adagrad"``, your own
        registered one: ``minidl.optim.available()``) is accepted too.
        ``"lbfgs"`` is not available.
    alpha : float, default 0.0001
        Strength of the L2 penalty on the weights (not the biases). As in
        ``MLPClassifier`` it is divided by the batch size: each step's loss
        gains :math:`\\frac{\\alpha}{2B} \\sum W^2`. This is minidl's
        ``weight_decay`` :math:`\\lambda = \\alpha / B`, with :math:`B` the
        batch size (the last, smaller batch of an epoch aside).
    batch_size : int or "auto", default "auto"
        Samples a step; ``"auto"`` is ``min(200, n_samples)``. With
        150 samples (iris), one step an epoch on all of them.
    learning_rate : "constant", default "constant"
        ``MLPClassifier``'s schedule; only a constant rate is available. (A
        number here is the deprecated name of ``learning_rate_init``.)
    learning_rate_init : float or None, default None
        The optimizer's ``lr``. None keeps the optimizer's own default:
        0.001 for Adam, as in ``MLPClassifier``; 0.01 for SGD with or
        without momentum, as in the book (``MLPClassifier`` uses 0.001).
    max_iter : int, default 200
        Most epochs (passes over the training data) :meth:`fit` trains.
    tol : float, default 0.0001
        :meth:`fit` stops when, ``n_iter_no_change`` epochs in a row, the
        training loss has not fallen by at least ``tol`` (with
        ``early_stopping``: the validation accuracy has not risen by ``tol``).
    momentum : float in [0, 1], default 0.9
        Momentum of ``solver="sgd"``; 0 gives plain SGD.
    nesterovs_momentum : bool, default True
        Whether ``solver="sgd"`` uses Nesterov's momentum.
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the training data (stratified),
        stop when its accuracy stops improving and keep the weights of the
        best epoch.
    validation_fraction : float in (0, 1), default 0.1
        Share of the training data held out by ``early_stopping``.
    n_iter_no_change : int, default 10
        Epochs without improvement tolerated (see ``tol``).
    random_state : int or None, default None
        Seeds the initial weights, the dropout masks, the batch order and
        the early-stopping split: the same number gives the same model, bit
        for bit. None means seed 0, as everywhere in minidl, so that every
        run can be reproduced (``MLPClassifier`` would draw a fresh seed);
        for different random draws pass different numbers, e.g. a grid over
        ``random_state`` in ``GridSearchCV``.
    verbose : {0, 1, 2} or bool, default 0
        0 silent, 1 a progress bar per epoch, 2 one line per epoch.
    weight_init : str or float, default "he"
        A name from ``minidl.init.INITIALISERS`` or a standard deviation.
    optimizer_params : dict or None, default None
        Other hyperparameters of the optimizer, e.g. ``{"beta1": 0.8}``.
    dropout : float in [0, 1), default 0.0
        Dropout ratio after each hidden activation.
    batchnorm : bool, default False
        Batch normalisation before each hidden activation.
    dtype : {"float32", "float64"}, default "float32"
        Dtype of the weights and computations. float32 is about twice as fast.
    hidden_sizes, epochs, seed, optimizer, weight_decay : deprecated
        minidl 0.1's names of ``hidden_layer_sizes``, ``max_iter``,
        ``random_state``, ``solver`` (``optimizer="sgd"`` was plain SGD:
        ``solver="sgd", momentum=0``) and of the penalty
        ``alpha / batch size``. They still work, with a ``FutureWarning``
        naming the new parameter, and will be removed in minidl 0.3.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted; any type (ints, strings such as ``"7"``).
        Output unit ``k`` of the network scores ``classes_[k]``.
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    feature_names_in_ : ndarray of str
        Column names, when ``X`` was a pandas DataFrame with string column names.
    network_ : minidl.MLP
        The trained network: inspect ``network_.params``, save its ``state_dict()``.
    history_ : minidl.training.History
        Losses per step and metrics per epoch (``history_["train_loss"]``).
    loss_curve_ : list of float
        The training loss after each epoch, as in ``MLPClassifier``.
    validation_scores_ : list of float or None
        With ``early_stopping``, the validation accuracy after each epoch.
    best_validation_score_ : float or None
        With ``early_stopping``, the best validation accuracy, that of the
        weights kept (as in ``MLPClassifier``).
    n_iter_ : int
        Epochs trained so far. When :meth:`fit` ends at ``max_iter`` epochs
        without having stopped early, it warns with scikit-learn's
        ``ConvergenceWarning``, as ``MLPClassifier`` does.

    Notes
    -----
    Scale the inputs first (``StandardScaler`` or ``MinMaxScaler`` in a
    ``Pipeline``): the default He initialisation assumes features of unit
    size, and MNIST pixels from 0 to 255 would make the first steps huge.
    Like every scikit-learn estimator, this one never rescales its input
    behind your back.

    The defaults train small data sets well, as ``MLPClassifier``'s do:
    with 150 iris flowers, 200 epochs of one Adam step each. On iris,
    unscaled, 5-fold stratified cross-validation gives a mean accuracy of
    0.95, ``MLPClassifier(random_state=0)`` 0.97 (``tests/test_sklearn.py``).

    :meth:`partial_fit` trains one epoch on the data it is given and keeps
    the optimizer's state (Adam's moments, the step count) between calls, as
    ``MLPClassifier`` does; it never stops early. Its first call needs
    ``classes``, every label that will ever be seen.
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=None, max_iter=200, tol=1e-4,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=10, random_state=None, verbose=0, weight_init="he", optimizer_params=None,
                 dropout=0.0, batchnorm=False, dtype="float32", hidden_sizes=DEPRECATED, epochs=DEPRECATED,
                 seed=DEPRECATED, optimizer=DEPRECATED, weight_decay=DEPRECATED):
        _keep_parameters(self, locals())

    # ================================================================ training
    def fit(self, X, y):
        """Build a new network and train it for up to ``max_iter`` epochs on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels of any type; at least two distinct classes.

        Returns
        -------
        self
        """
        X, y = validate_data(self, self._rows(X, reset=True), y, dtype=(np.float64, np.float32))
        check_classification_targets(y)
        classes, targets = np.unique(y, return_inverse=True)
        settings = self._settings(len(X))
        validation_data = None
        if self.early_stopping:
            X, X_val, targets, t_val = train_test_split(X, targets, test_size=settings["validation_fraction"],
                                                        random_state=settings["seed"], stratify=targets)
            validation_data = (X_val, t_val)
        monitor = "val_accuracy" if self.early_stopping else "train_loss"
        stopping = EarlyStopping(monitor, patience=settings["n_iter_no_change"], min_delta=settings["tol"],
                                 restore_best_weights=bool(self.early_stopping))
        self._start(classes, X.shape[1], settings, epochs=settings["epochs"], callbacks=[stopping])
        self._train(X, targets, validation_data)
        if not self._trainer.stop_training:  # max_iter epochs ran and early stopping never saw convergence
            warnings.warn(f"Stochastic Optimizer: Maximum iterations ({settings['epochs']}) reached and the "
                          "optimization hasn't converged yet.", ConvergenceWarning, stacklevel=2)
        return self

    def partial_fit(self, X, y, classes=None):
        """Train one more epoch on ``(X, y)``, keeping the weights and the optimizer's state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), optional
            Every class label, needed on the first call (``np.unique(y_all)``)
            because the output layer's size is fixed then. ``y`` need not hold them all.

        Returns
        -------
        self
        """
        first_call = not hasattr(self, "network_")
        if first_call and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit: every label that "
                             "will ever be seen, e.g. classes=np.unique(y_all)")
        if classes is not None:
            classes = unique_labels(classes)
            if not first_call and not np.array_equal(classes, self.classes_):
                raise ValueError(f"classes={classes.tolist()} differs from classes_ {self.classes_.tolist()} "
                                 "fixed by the first call; the output layer cannot change size")
        X, y = validate_data(self, self._rows(X, reset=first_call), y, dtype=(np.float64, np.float32),
                             reset=first_call)
        check_classification_targets(y)
        known = classes if first_call else self.classes_
        unknown = np.setdiff1d(y, known)
        if unknown.size:
            raise ValueError(
                f"y contains labels {unknown[:5].tolist()} that are not among the classes "
                f"{known.tolist()}; pass every label to the first partial_fit call as classes=..."
            )
        if first_call:
            self._start(classes, X.shape[1], self._settings(len(X)), epochs=1)
        else:
            self._trainer.epochs = self._trainer.epoch + 1
        return self._train(X, np.searchsorted(self.classes_, y))

    def _start(self, classes, n_features, settings, epochs, callbacks=()):
        """Set ``classes_`` and a new network and trainer, once all three are known to be valid.

        Nothing is assigned before every check has passed, so a failed
        ``fit`` leaves a fitted model as it was instead of half replaced.
        """
        if len(classes) < 2:
            self._raise_one_class(classes)
        # The network and the Trainer check their own arguments, with messages naming them.
        network = self._network(n_features, len(classes), settings)
        trainer = Trainer(network, settings["optimizer"], settings["optimizer_params"], epochs=epochs,
                          batch_size=settings["batch_size"], seed=settings["seed"], callbacks=callbacks,
                          verbose=self.verbose)
        self.classes_, self.network_, self._trainer = classes, network, trainer

    def _rows(self, X, reset):
        """``X`` as scikit-learn checks it: one sample a row (here as given)."""
        return X

    def _network(self, n_features, n_classes, settings):
        """A new network for ``n_features`` inputs and ``n_classes`` classes (here an MLP)."""
        return MLP(n_features, settings["hidden_sizes"], n_classes, activation=settings["activation"],
                   weight_init=self.weight_init, weight_decay=settings["weight_decay"], dropout=self.dropout,
                   batchnorm=self.batchnorm, dtype=self.dtype, seed=settings["seed"])

    def _train(self, X, targets, validation_data=None):
        self._trainer.fit(X, targets, validation_data)
        self._trainer.callbacks = []  # early stopping belongs to fit, not to later partial_fit calls
        self.history_ = self._trainer.history
        self.n_iter_ = self._trainer.epoch
        self.loss_curve_ = list(self.history_["train_loss"])
        self.validation_scores_ = list(self.history_["val_accuracy"]) if validation_data is not None else None
        # The score of the weights kept: early stopping restores the best epoch's.
        self.best_validation_score_ = None if self.validation_scores_ is None else max(self.validation_scores_)
        return self

    # ================================================================ settings
    def _settings(self, n_samples):
        """The settings of the network and trainer, checked, with the deprecated names resolved."""
        batch_size = self.batch_size
        if isinstance(batch_size, str):
            if batch_size != "auto":
                raise ValueError(f"batch_size must be 'auto' or a whole number >= 1; got {batch_size!r}")
            batch_size = min(200, n_samples)
        batch_size = check_positive_int(batch_size, "batch_size")
        optimizer, optimizer_params = self._optimizer(self._learning_rate())
        network_settings = self._network_settings(batch_size)
        seed = self._renamed("seed", "random_state", None)
        seed = check(seed, SEED, "random_state", fix="minidl seeds every run with a number, so that it can be reproduced")
        fraction = check(self.validation_fraction, Real(0, 1, closed="neither") if self.early_stopping else Real(0),
                         "validation_fraction")
        epochs = self._renamed("epochs", "max_iter", 200)
        return {**network_settings,
                "epochs": check_positive_int(epochs, "epochs" if self._given("epochs") else "max_iter"),
                "batch_size": batch_size, "seed": seed, "optimizer": optimizer,
                "optimizer_params": optimizer_params, "tol": check_number(self.tol, "tol", low=0.0),
                "validation_fraction": fraction,
                "n_iter_no_change": check_positive_int(self.n_iter_no_change, "n_iter_no_change")}

    def _network_settings(self, batch_size):
        """The MLP's settings: weight decay (from ``alpha``), activation, hidden sizes."""
        if self._given("weight_decay"):  # minidl's lambda itself
            weight_decay = self._renamed("weight_decay", "alpha", 0.0001, hint=(
                f"alpha={self.weight_decay * batch_size!r} (MLPClassifier's alpha is divided by the batch size)"))
        else:
            weight_decay = check_number(self.alpha, "alpha", low=0.0) / batch_size
        activation = self.activation
        if isinstance(activation, str) and activation.lower() == "logistic":
            activation = "sigmoid"
        return {"hidden_sizes": self._renamed("hidden_sizes", "hidden_layer_sizes", (100,)), "activation": activation,
                "weight_decay": weight_decay}

    def _given(self, old):
        """Whether the deprecated parameter ``old`` was set (an estimator without it: never)."""
        value = getattr(self, old, DEPRECATED)
        return not (isinstance(value, str) and value == DEPRECATED)

    def _renamed(self, old, new, default, hint=""):
        """The value of parameter ``new``, or of ``old``, its deprecated name, if that was set (with a warning)."""
        if not self._given(old):
            return getattr(self, new)
        if not _same(getattr(self, new), default):
            raise ValueError(f"{old}={getattr(self, old)!r} and {new}={getattr(self, new)!r} are both given; "
                             f"{old} is the deprecated name of {new}: keep {new} only")
        suggestion = hint or f"{new}={getattr(self, old)!r}"
        warnings.warn(f"MinidlClassifier's {old} is deprecated and will be removed in minidl 0.3; "
                      f"use {suggestion} (scikit-learn's MLPClassifier name)", FutureWarning, stacklevel=4)
        return getattr(self, old)

    def _learning_rate(self):
        """The optimizer's ``lr`` (None: its default); ``learning_rate`` may be the deprecated number."""
        rate = self.learning_rate
        if isinstance(rate, str):
            if rate != "constant":
                raise ValueError(f"learning_rate={rate!r} is not available: MinidlClassifier trains at a constant "
                                 "rate; use learning_rate='constant' and set learning_rate_init")
            return self.learning_rate_init
        if self.learning_rate_init is not None:
            raise ValueError(f"learning_rate={rate!r} and learning_rate_init={self.learning_rate_init!r} are both "
                             "given; learning_rate is MLPClassifier's schedule name: keep learning_rate_init only")
        warnings.warn(f"MinidlClassifier's learning_rate is deprecated as the step size ({rate!r}) and will be removed "
                      f"in minidl 0.3; use learning_rate_init={rate!r} (scikit-learn's MLPClassifier name; its "
                      "learning_rate is the schedule, 'constant')", FutureWarning, stacklevel=4)
        return rate

    def _optimizer(self, learning_rate):
        """The optimizer's registered name and hyperparameters, from ``solver`` (or the deprecated ``optimizer``)."""
        params = dict(self.optimizer_params or {})
        if self._given("optimizer"):
            name = self._renamed("optimizer", "solver", "adam", hint=(
                "solver='sgd', momentum=0 (MLPClassifier's 'sgd' has momentum)" if self.optimizer == "sgd"
                else f"solver={self.optimizer!r}"))
        else:
            name = self.solver
        if not isinstance(name, str):
            raise TypeError(f"solver must be a registered name such as 'adam' (see minidl.optim.available()); "
                            f"got {name!r}. Register your class with @minidl.optim.register")
        if name == "lbfgs":
            raise ValueError("solver='lbfgs' is not available: minidl trains by mini-batch gradient steps; "
                             "use solver='adam' or 'sgd'")
        if name == "sgd" and not self._given("optimizer"):
            if "momentum" in params:
                raise ValueError("with solver='sgd', set the momentum with momentum=..., not in optimizer_params")
            momentum = check(self.momentum, Real(0, 1), "momentum")
            if momentum > 0.0:
                name = "nesterov" if self.nesterovs_momentum else "momentum"
                params["momentum"] = momentum
        if learning_rate is not None:
            if "lr" in params:
                raise ValueError(f"the learning rate is given twice, as {learning_rate!r} and in optimizer_params "
                                 f"{params}; keep learning_rate_init")
            params["lr"] = learning_rate
        return name, params

    def _raise_one_class(self, classes):
        # scikit-learn's checks expect the word "class" in this message.
        raise ValueError(
            f"{type(self).__name__} needs at least 2 classes to learn from, but y holds only one class "
            f"({classes.tolist()}); check the labels, or that the data was not sliced by class"
        )

    # ================================================================ prediction
    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes); column ``k`` is ``classes_[k]``.

        Rows sum to 1; the dtype is the network's (``dtype``, float32 by default).

        The network runs in evaluation mode (no dropout; batch-norm running
        statistics), so the result does not depend on the other rows of ``X``.
        """
        check_is_fitted(self)
        X = validate_data(self, self._rows(X, reset=False), dtype=(np.float64, np.float32), reset=False)
        return self.network_.predict_proba(X)

    def predict(self, X):
        """The most probable class label of each row of ``X``, shape (n_samples,)."""
        check_is_fitted(self)
        X = validate_data(self, self._rows(X, reset=False), dtype=(np.float64, np.float32), reset=False)
        return self.classes_[self.network_.predict(X).argmax(axis=1)]

    # ================================================================ pickling
    def __getstate__(self):
        # The trainer holds weak references (its optimizer) and an output
        # stream (its progress bar), which pickle cannot store. We keep instead
        # the plain arrays and numbers of a training checkpoint, network included,
        # and rebuild both from it: the arrays are then fresh, writeable and
        # shared between the network's params and its layers, as they must be.
        state = dict(super().__getstate__())  # a copy: the live estimator must keep its attributes
        trainer = state.pop("_trainer", None)
        if trainer is not None:
            state.pop("network_")
            state["_trainer_state"] = trainer_state(trainer)
        return state

    def __setstate__(self, state):
        saved = state.pop("_trainer_state", None)
        super().__setstate__(state)
        if saved is not None:
            self.network_ = build_network(saved["network"].get("type"), saved["network"]["config"])
            optimizer = optim.get(saved["optimizer"]["name"], **saved["optimizer"]["hyperparameters"])
            self._trainer = Trainer(self.network_, optimizer, epochs=saved["trainer"]["epochs"], verbose=self.verbose)
            restore_trainer(self._trainer, saved, f"a pickled {type(self).__name__}")
            self.history_ = self._trainer.history


def _keep_parameters(estimator, arguments):
    """Store each argument of an ``__init__`` untouched, as the attribute of its name: scikit-learn's convention.

    ``arguments`` is the ``locals()`` of that ``__init__``, called first
    thing in it, so it holds exactly the arguments (and ``self``, and
    ``__class__`` where the body uses ``super()``); ``get_params`` and
    ``clone`` read them back by the names of the signature, and ``fit``
    checks the values.
    """
    for name, value in arguments.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


def _same(value, default):
    """Whether a parameter still holds its default (tuples and lists of the same numbers count as equal)."""
    if isinstance(value, (tuple, list)) and isinstance(default, (tuple, list)):
        return list(value) == list(default)
    return value is default or (type(value) is type(default) and value == default)


class MinidlConvClassifier(MinidlClassifier):
    """The book's convolutional network (:class:`minidl.SimpleConvNet`) with scikit-learn's interface.

    A sibling of :class:`MinidlClassifier`, trained the same way (the same
    ``solver``, ``batch_size``, ``max_iter``, ``tol``, early stopping,
    ``partial_fit``, pickling and scikit-learn checks): only the network
    differs, ``Convolution - ReLU - 2x2 max pooling - Affine - ReLU -
    Affine``. Its settings are those of ``SimpleConvNet``, one parameter
    each, so that ``GridSearchCV`` can tune them.

    Parameters
    ----------
    input_shape : tuple of int or None, default None
        One image: (channels, height, width), or (height, width) for one
        channel. ``X`` may then hold flat rows of ``channels * height *
        width`` numbers, or the images themselves, (n_samples, channels,
        height, width) or (n_samples, height, width). None: images take
        their own shape; flat rows of ``n`` numbers are one-channel
        square images when ``n`` is a square (64: 8x8 digits, 784: MNIST),
        else a single row of ``n`` pixels (refused, asking for
        ``input_shape``, when the convolution and pooling leave too little
        of that row).
    filter_num, filter_size, pad, stride : int, default 30, 5, 0, 1
        The convolution (``SimpleConvNet``'s ``conv_param``, the book's
        defaults): number of filters, their height and width, the zeros
        added around each image, the step between two positions.
    hidden_size : int, default 100
        Width of the affine layer after the pooling.
    solver, batch_size, learning_rate_init, max_iter, tol, momentum, nesterovs_momentum, early_stopping, \
validation_fraction, n_iter_no_change, random_state, verbose, weight_init, optimizer_params, dtype
        As for :class:`MinidlClassifier`. There is no ``alpha`` (the
        network has no weight decay) and no MLP setting (``activation``,
        ``dropout``, ``batchnorm``).

    Attributes
    ----------
    classes_, n_features_in_, network_, history_, loss_curve_, validation_scores_, best_validation_score_, n_iter_
        As for :class:`MinidlClassifier`; ``n_features_in_`` counts the
        numbers of one image, ``network_`` is a ``SimpleConvNet``.
    input_shape_ : tuple of int
        The (channels, height, width) of the images the network was fitted on.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> x, y = load_digits(return_X_y=True)
    >>> model = MinidlConvClassifier(filter_size=3, pad=1, max_iter=30).fit(x / 16, y)   # rows of 64: 1x8x8
    >>> model.input_shape_
    (1, 8, 8)
    """

    def __init__(self, input_shape=None, *, filter_num=30, filter_size=5, pad=0, stride=1, hidden_size=100,
                 solver="adam", batch_size="auto", learning_rate_init=None, max_iter=200, tol=1e-4, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1, n_iter_no_change=10,
                 random_state=None, verbose=0, weight_init="he", optimizer_params=None, dtype="float32"):
        _keep_parameters(self, locals())

    def _learning_rate(self):
        return self.learning_rate_init

    def _network_settings(self, batch_size):
        return {}  # SimpleConvNet checks its own settings

    def _rows(self, X, reset):
        """Images (n_samples, [channels,] height, width) as flat rows, their shape noted; other ``X`` as given."""
        shape = getattr(X, "shape", None)  # arrays, DataFrames, sparse matrices
        if shape is None and isinstance(X, (list, tuple)):
            try:
                shape = np.asarray(X).shape
            except ValueError:  # ragged lists: validate_data says what is wrong
                return X
        shape = tuple(shape) if shape is not None else ()
        if reset:  # what _image_shape reads when the network is built
            self._images = None
        if len(shape) <= 2:
            return X
        if len(shape) > 4:
            raise ValueError(f"X has shape {shape}; pass images as (n_samples, channels, height, width) or "
                             "(n_samples, height, width), or flat rows (n_samples, n_features)")
        images = _one_image(shape[1:])
        if not reset and hasattr(self, "input_shape_") and images != self.input_shape_:
            raise ValueError(f"X holds images of shape {images}, but {type(self).__name__} was fitted on "
                             f"{self.input_shape_}")
        if reset:
            self._images = images
        return np.asarray(X).reshape(shape[0], -1)

    def _image_shape(self, n_features):
        """(channels, height, width) of the images of ``n_features`` numbers, from ``input_shape`` or ``X``."""
        images = getattr(self, "_images", None)
        if self.input_shape is None:
            if images is not None:
                return images
            side = math.isqrt(n_features)
            return (1, side, side) if side * side == n_features else (1, 1, n_features)
        shape = self.input_shape
        if not isinstance(shape, (tuple, list)) or len(shape) not in (2, 3) or not all(map(COUNT.accepts, shape)):
            raise ValueError(f"input_shape must be (channels, height, width) or (height, width), such as "
                             f"(1, 28, 28); got {shape!r}")
        shape = _one_image(shape)
        if images is not None and images != shape:
            raise ValueError(f"X holds images of shape {images}, but input_shape is {shape}")
        if math.prod(shape) != n_features:
            raise ValueError(f"input_shape {shape} holds {math.prod(shape)} numbers, but the rows of X have "
                             f"{n_features}; give the shape of one image")
        return shape

    def _network(self, n_features, n_classes, settings):
        shape = self._image_shape(n_features)
        try:
            return SimpleConvNet(input_dim=shape,
                                 conv_param={"filter_num": self.filter_num, "filter_size": self.filter_size,
                                             "pad": self.pad, "stride": self.stride},
                                 hidden_size=self.hidden_size, output_size=n_classes, weight_init=self.weight_init,
                                 seed=settings["seed"], dtype=self.dtype)
        except ValueError as error:
            guessed = (self.input_shape is None and getattr(self, "_images", None) is None
                       and math.isqrt(n_features) ** 2 != n_features)
            if not guessed or "pooling" not in str(error):
                raise
            # The row of pixels was a guess: say so and ask for the shape, not what the pooling saw of the guess.
            size = self.filter_size
            raise ValueError(f"the rows of X have {n_features} numbers, and {n_features} is not a square number, so "
                             f"they are not square one-channel images; as a row of 1x{n_features} pixels they leave "
                             f"too little for the {size}x{size} convolution and the 2x2 pooling: pass "
                             "input_shape=(channels, height, width), or X as images (n_samples, channels, height, "
                             "width)") from None

    def _start(self, classes, n_features, settings, epochs, callbacks=()):
        super()._start(classes, n_features, settings, epochs, callbacks)
        self.input_shape_ = self.network_.input_shape  # only once the network is built: a failed fit changes nothing


def _one_image(shape):
    """The (channels, height, width) of one image given as that or as (height, width), one channel."""
    return tuple(int(size) for size in ((1, *shape) if len(shape) == 2 else shape))
