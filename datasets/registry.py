"""Load a data set by name: the one entry point a command line needs.

``load_dataset("mnist")`` and ``minidl train --dataset mnist`` mean the same
thing, so a script can take the data set as a plain string option.
"""

from __future__ import annotations

from .digits import load_digits
from .idx import load_idx
from .openml import load_fashion_mnist, load_mnist

#: The names :func:`load_dataset` accepts. The last one is a pattern: replace
#: ``DIR`` with the folder holding the four IDX files, e.g. ``idx:~/data/mnist``.
DATASET_NAMES = ("mnist", "fashion-mnist", "digits", "idx:DIR")

_LOADERS = {
    "mnist": load_mnist,
    "fashion-mnist": load_fashion_mnist,
    "digits": load_digits,
}


def load_dataset(name, **kwargs):
    """Load the data set called ``name``, passing ``kwargs`` to its loader.

    Parameters
    ----------
    name : str
        One of :data:`DATASET_NAMES`, in any letter case: ``"mnist"``,
        ``"fashion-mnist"``, ``"digits"``, or ``"idx:DIR"`` for the IDX files
        in folder ``DIR`` (the folder name keeps its case).
    **kwargs
        Options of that loader, e.g. ``normalize``, ``flatten``, ``one_hot``
        for all of them, ``data_home`` for MNIST, ``seed`` for the digits.

    Returns
    -------
    (x_train, t_train), (x_test, t_test) : tuple of tuples of ndarray

    Raises
    ------
    ValueError
        If ``name`` is not a known data set; the message lists the known ones.

    Examples
    --------
    >>> (x_train, t_train), (x_test, t_test) = load_dataset("digits", one_hot=True)
    """
    if not isinstance(name, str):
        raise TypeError(f"dataset name must be a string such as 'digits', got {name!r}")
    key = name.strip().lower()
    if key.startswith("idx:"):
        directory = name.strip()[len("idx:"):]
        if not directory:
            raise ValueError("dataset 'idx:' needs a folder after the colon, e.g. 'idx:data/mnist'")
        return load_idx(directory, **kwargs)
    if key not in _LOADERS:
        raise ValueError(
            f"unknown dataset {name!r}; known datasets are {', '.join(DATASET_NAMES)} "
            "(idx:DIR is the folder DIR holding the four IDX files)"
        )
    return _LOADERS[key](**kwargs)
