"""A minidl network as a scikit-learn classifier: ``MinidlClassifier``.

scikit-learn's tools (``Pipeline``, ``GridSearchCV``, ``cross_val_score``)
work with any object that follows its estimator conventions. This module
wraps :class:`minidl.MLP` and :class:`minidl.training.Trainer` in such an
object, so a student can tune minidl's hyperparameters with the tools used
everywhere else::

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler
    from minidl.sklearn import MinidlClassifier

    model = make_pipeline(MinMaxScaler(), MinidlClassifier(hidden_sizes=(100,), epochs=20))
    model.fit(x_train, y_train)          # y may hold strings, as fetch_openml returns them
    model.score(x_test, y_test)

It passes scikit-learn's own estimator checks (``tests/test_sklearn.py``).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from minidl import optim
from minidl.network import MLP
from minidl.training import Trainer
from minidl.training.checkpoints import restore_trainer, trainer_state


class MinidlClassifier(ClassifierMixin, BaseEstimator):
    """A multilayer perceptron trained by minidl, with scikit-learn's interface.

    Parameters
    ----------
    hidden_sizes : tuple of int or int, default (100,)
        Width of each hidden layer; ``()`` gives a softmax regression.
    activation : {"relu", "sigmoid", "tanh"}, default "relu"
    weight_init : str or float, default "he"
        A name from ``minidl.init.INITIALISERS`` or a standard deviation.
    optimizer : str, default "adam"
        A registered optimizer name (``minidl.optim.available()``), your own
        registered optimizers included.
    learning_rate : float or None, default None
        The optimizer's ``lr``; None keeps the optimizer's own default (0.001
        for Adam, 0.01 for SGD), so a grid over optimizers stays fair.
    optimizer_params : dict or None, default None
        Other hyperparameters of the optimizer, e.g. ``{"beta1": 0.8}``.
    epochs : int, default 20
        Passes over the training data made by :meth:`fit`.
    batch_size : int, default 100
        Samples a step (the whole set if it has fewer).
    weight_decay : float, default 0.0
        L2 penalty on the weights (see :class:`minidl.MLP`).
    dropout : float in [0, 1), default 0.0
        Dropout ratio after each hidden activation.
    batchnorm : bool, default False
        Batch normalisation before each hidden activation.
    dtype : {"float32", "float64"}, default "float32"
        Dtype of the weights and computations. float32 is about twice as fast.
    seed : int or None, default 0
        Seeds the initial weights, the dropout masks and the batch order:
        the same seed gives the same model, bit for bit. (scikit-learn's own
        estimators call this ``random_state``.) None means seed 0, as
        everywhere in minidl, so that every run can be reproduced; for
        different random draws pass different seeds (e.g. a grid over
        ``seed`` in ``GridSearchCV``).
    verbose : {0, 1, 2}, default 0
        0 silent, 1 a progress bar per epoch, 2 one line per epoch.

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
    n_iter_ : int
        Epochs trained so far.

    Notes
    -----
    Scale the inputs first (``StandardScaler`` or ``MinMaxScaler`` in a
    ``Pipeline``): the default He initialisation assumes features of unit
    size, and MNIST pixels from 0 to 255 would make the first steps huge.

    :meth:`partial_fit` trains one epoch on the data it is given and keeps
    the optimizer's state (Adam's moments, the step count) between calls, as
    ``sklearn.neural_network.MLPClassifier`` does. Its first call needs
    ``classes``, every label that will ever be seen.
    """

    def __init__(self, hidden_sizes=(100,), activation="relu", weight_init="he", optimizer="adam",
                 learning_rate=None, optimizer_params=None, epochs=20, batch_size=100, weight_decay=0.0,
                 dropout=0.0, batchnorm=False, dtype="float32", seed=0, verbose=0):
        # scikit-learn's convention: store the arguments untouched; check them in fit.
        self.hidden_sizes = hidden_sizes
        self.activation = activation
        self.weight_init = weight_init
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.optimizer_params = optimizer_params
        self.epochs = epochs
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.batchnorm = batchnorm
        self.dtype = dtype
        self.seed = seed
        self.verbose = verbose

    # ================================================================ training
    def fit(self, X, y):
        """Build a new network and train it for ``epochs`` epochs on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels of any type; at least two distinct classes.

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32))
        check_classification_targets(y)
        classes, targets = np.unique(y, return_inverse=True)
        self._start(classes, X.shape[1], epochs=self.epochs)
        return self._train(X, targets)

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
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32), reset=first_call)
        check_classification_targets(y)
        known = classes if first_call else self.classes_
        unknown = np.setdiff1d(y, known)
        if unknown.size:
            raise ValueError(
                f"y contains labels {unknown[:5].tolist()} that are not among the classes "
                f"{known.tolist()}; pass every label to the first partial_fit call as classes=..."
            )
        if first_call:
            self._start(classes, X.shape[1], epochs=1)
        else:
            self._trainer.epochs = self._trainer.epoch + 1
        return self._train(X, np.searchsorted(self.classes_, y))

    def _start(self, classes, n_features, epochs):
        """Set ``classes_`` and a new network and trainer, once all three are known to be valid.

        Nothing is assigned before every check has passed, so a failed
        ``fit`` leaves a fitted model as it was instead of half replaced.
        """
        if len(classes) < 2:
            self._raise_one_class(classes)
        if not isinstance(self.optimizer, str):
            raise TypeError(f"optimizer must be a registered name such as 'adam' (see minidl.optim.available()); "
                            f"got {self.optimizer!r}. Register your class with @minidl.optim.register")
        settings = dict(self.optimizer_params or {})
        if self.learning_rate is not None:
            if "lr" in settings:
                raise ValueError(f"the learning rate is given twice, as learning_rate={self.learning_rate!r} and "
                                 f"in optimizer_params {settings}; keep one")
            settings["lr"] = self.learning_rate
        # MLP and Trainer check their own arguments, with messages naming them.
        network = MLP(n_features, self.hidden_sizes, len(classes), activation=self.activation,
                      weight_init=self.weight_init, weight_decay=self.weight_decay, dropout=self.dropout,
                      batchnorm=self.batchnorm, dtype=self.dtype, seed=self.seed)
        trainer = Trainer(network, self.optimizer, settings, epochs=epochs, batch_size=self.batch_size,
                          seed=self.seed, verbose=self.verbose)
        self.classes_, self.network_, self._trainer = classes, network, trainer

    def _train(self, X, targets):
        self._trainer.fit(X, targets)
        self.history_ = self._trainer.history
        self.n_iter_ = self._trainer.epoch
        return self

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
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        return self.network_.predict_proba(X)

    def predict(self, X):
        """The most probable class label of each row of ``X``, shape (n_samples,)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
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
            self.network_ = MLP.from_config(saved["network"]["config"])
            optimizer = optim.get(saved["optimizer"]["name"], **saved["optimizer"]["hyperparameters"])
            self._trainer = Trainer(self.network_, optimizer, epochs=saved["trainer"]["epochs"], verbose=self.verbose)
            restore_trainer(self._trainer, saved, f"a pickled {type(self).__name__}")
            self.history_ = self._trainer.history
