"""Data sets for minidl (installed as ``minidl.datasets``).

Every loader returns ``(x_train, t_train), (x_test, t_test)``, with images as
float32 in [0, 1] and labels as int64 class numbers unless asked otherwise:

* :func:`load_digits` -- scikit-learn's bundled 8x8 digits; works offline.
* :func:`load_mnist`, :func:`load_fashion_mnist` -- 28x28 images from OpenML,
  downloaded once and then read from a compact checksummed cache.
* :func:`load_idx` -- the classic IDX files, for when OpenML is out of reach.
* :func:`load_dataset` -- any of them by name (``"mnist"``, ``"idx:DIR"``, ...).

Then :func:`train_val_split` holds out a validation set and
:class:`MiniBatches` serves shuffled mini-batches, one epoch per loop.
"""

from .batches import MiniBatches, minibatches
from .convert import to_one_hot
from .digits import load_digits
from .idx import load_idx, read_idx
from .openml import DatasetUnavailableError, load_fashion_mnist, load_mnist
from .registry import DATASET_NAMES, load_dataset
from .split import train_val_split

__all__ = [
    "DATASET_NAMES",
    "DatasetUnavailableError",
    "MiniBatches",
    "load_dataset",
    "load_digits",
    "load_fashion_mnist",
    "load_idx",
    "load_mnist",
    "minibatches",
    "read_idx",
    "to_one_hot",
    "train_val_split",
]
