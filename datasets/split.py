"""Hold out a validation set from the training data.

The test set is for the final score only: every choice made while looking at
it (learning rate, number of epochs, network size) leaks information about it
into the model. Those choices are made on a *validation* set instead, carved
out of the training data here.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from minidl.settings import Integer, Real
from minidl.validation import check_samples


def train_val_split(x, t, val_size=0.1, seed=0, stratify=True):
    """Split ``(x, t)`` into a training part and a validation part.

    Parameters
    ----------
    x : ndarray, shape (N, ...)
        Inputs, one sample per row.
    t : ndarray, shape (N,) or (N, n_classes)
        Class numbers, or one-hot rows.
    val_size : float or int, default=0.1
        A fraction in (0, 1) of the samples, or a number of samples, to put
        in the validation set. 10 % keeps most of the data for training while
        still giving a validation score precise to about one percentage point
        on MNIST-sized data.
    seed : int, default=0
        Seed of the shuffle: the same seed gives the same split.
    stratify : bool, default=True
        If True, every class keeps the same share in both parts as in ``t``,
        so a small validation set is not, by bad luck, short of some digit.

    Returns
    -------
    (x_train, t_train), (x_val, t_val) : tuple of tuples of ndarray
        The same layout as the dataset loaders return.

    Notes
    -----
    This is :func:`sklearn.model_selection.train_test_split`, the tool made
    for the job, with ``stratify`` given the class numbers (recovered with
    ``argmax`` from one-hot targets).
    """
    x, t = check_samples(x, t)
    _check_val_size(val_size, len(x))
    labels = t.argmax(axis=1) if t.ndim == 2 else t
    if stratify:
        _, counts = np.unique(labels, return_counts=True)
        if counts.min() < 2:
            raise ValueError(
                f"stratify=True needs at least 2 samples of every class, but the "
                f"rarest class of t has {counts.min()}; pass stratify=False or more data"
            )
        # sklearn's rounding: the validation set gets ceil(val_size * N) samples.
        n_val = val_size if isinstance(val_size, numbers.Integral) else math.ceil(val_size * len(x))
        if n_val < len(counts) or len(x) - n_val < len(counts):
            raise ValueError(
                f"a stratified split of {len(x)} samples with val_size={val_size!r} gives {n_val} validation "
                f"and {len(x) - n_val} training samples, but each side needs one of each of the "
                f"{len(counts)} classes; choose a val_size that leaves at least {len(counts)} on each side"
            )
    from sklearn.model_selection import train_test_split  # on first use: see load_digits

    x_train, x_val, t_train, t_val = train_test_split(
        x, t, test_size=val_size, random_state=seed, stratify=labels if stratify else None
    )
    return (x_train, t_train), (x_val, t_val)


def _check_val_size(val_size, n_samples):
    """Refuse a ``val_size`` that is neither a fraction in (0, 1) nor a count in [1, N - 1].

    scikit-learn would refuse it too, but its message speaks of ``test_size``,
    a name the caller of this function never wrote.
    """
    if Integer(1, n_samples - 1).accepts(val_size) or Real(0, 1, closed="neither").accepts(val_size):
        return
    raise ValueError(
        f"val_size must be a fraction in (0, 1) such as 0.1, or a number of samples from 1 to "
        f"{n_samples - 1} (there are {n_samples}); got {val_size!r}"
    )
