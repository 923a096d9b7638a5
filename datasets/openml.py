"""MNIST and Fashion-MNIST from OpenML, cached compactly after the first load.

The first call downloads the data set with
:func:`sklearn.datasets.fetch_openml` (about 15 MB, then some 20-30 seconds
of parsing the ARFF text format) and stores the result as a small ``uint8``
cache (see :mod:`minidl.datasets.cache`). Every later call reads that cache,
in well under a second, and never touches the network or the ARFF file.

Where files go
--------------
Everything lives in scikit-learn's data home: ``~/scikit_learn_data`` by
default, the folder named by the ``SCIKIT_LEARN_DATA`` environment variable
if it is set, or the ``data_home`` argument. Inside it, ``openml/`` is
scikit-learn's own download cache and ``minidl/`` holds minidl's compact
copies (``minidl/mnist_784.npz``, ``minidl/fashion-mnist.npz``).

Without a network
-----------------
If the data is neither cached nor downloadable, a single
:class:`DatasetUnavailableError` explains what happened and what to use
instead: the bundled 8x8 digits (:func:`minidl.datasets.load_digits`), or
the IDX files loaded with :func:`minidl.datasets.load_idx`.
"""

from __future__ import annotations

import errno
import http.client
import math
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .cache import CorruptCacheError, load_cache, save_cache
from .convert import prepare_split

# One retry, soon: enough to ride out a dropped connection, short enough that
# a learner without a network gets the explanation at once.
NETWORK_RETRIES = 1
RETRY_DELAY_SECONDS = 0.5


class DatasetUnavailableError(RuntimeError):
    """A data set is not cached locally and could not be downloaded.

    The message says which data set, where minidl looked, why the download
    failed and which offline alternatives exist, in terms of the Python API.
    The same facts are kept as attributes, for a caller (the ``minidl``
    command line) to say them in its own terms.

    Attributes
    ----------
    reason : Exception or None
        The underlying network error.
    title : str or None
        The data set, e.g. ``"MNIST"``.
    data_home : str or None
        The data home where the cache was looked for.
    cache_path : str or None
        minidl's cache file of the data set in that data home.
    cache_is_corrupt : bool
        True if that cache exists but failed its check; False if it is missing.
    """

    def __init__(self, message, reason=None, *, title=None, data_home=None, cache_path=None,
                 cache_is_corrupt=False):
        super().__init__(message)
        self.reason = reason
        self.title = title
        self.data_home = data_home
        self.cache_path = cache_path
        self.cache_is_corrupt = cache_is_corrupt


@dataclass(frozen=True)
class OpenMLDataset:
    """How one OpenML data set maps to a train/test pair of image arrays.

    Attributes
    ----------
    title : str
        Human name used in messages, e.g. ``"MNIST"``.
    openml_name, version : str, int
        The exact OpenML data set requested (a fixed version, so the data
        never changes under a user's feet).
    image_shape : tuple of int
        ``(height, width)`` of one image.
    n_train, n_test : int
        OpenML stores the official training images first and the test images
        after them; the first ``n_train`` rows are the training set.
    n_classes : int
        Number of classes (width of one-hot labels).
    """

    title: str
    openml_name: str
    version: int
    image_shape: tuple = (28, 28)
    n_train: int = 60_000
    n_test: int = 10_000
    n_classes: int = 10

    @property
    def source(self):
        """Description stored in the cache, checked when it is read back."""
        return (
            f"OpenML {self.openml_name} version {self.version} "
            f"({self.n_train} train + {self.n_test} test)"
        )

    def cache_path(self, home):
        return Path(home) / "minidl" / f"{self.openml_name.lower()}.npz"


MNIST = OpenMLDataset("MNIST", "mnist_784", 1)
FASHION_MNIST = OpenMLDataset("Fashion-MNIST", "Fashion-MNIST", 1)


def _unavailable(dataset, home, reason, cache_is_corrupt=False):
    cache_path = str(dataset.cache_path(home))
    cache_state = "is corrupt" if cache_is_corrupt else "does not exist"
    return DatasetUnavailableError(
        f"Could not download {dataset.title} (OpenML {dataset.openml_name!r}, "
        f"version {dataset.version}) from openml.org: {reason}.\n"
        f"Looked in the data home {str(home)!r}: the minidl cache {cache_path!r} "
        f"{cache_state}, and scikit-learn's download cache "
        f"{str(Path(home) / 'openml')!r} does not hold the data set either.\n"
        "What to do instead: use the bundled 8x8 digits (load_digits(), or "
        "--dataset digits), or put the four IDX files (train-images-idx3-ubyte.gz, "
        "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
        "t10k-labels-idx1-ubyte.gz) in a folder DIR and use load_idx(DIR) (or "
        "--dataset idx:DIR). Once online, the data set is downloaded once and then "
        "loaded from the cache.",
        reason=reason, title=dataset.title, data_home=str(home), cache_path=cache_path,
        cache_is_corrupt=cache_is_corrupt,
    )


def _fetch(dataset, home, cache_is_corrupt=False):
    """Download (or read scikit-learn's download cache) and return uint8 arrays."""
    import sklearn.datasets  # on first use: see load_digits

    try:
        with warnings.catch_warnings():
            # scikit-learn announces each retry; our own error says it better.
            warnings.filterwarnings("ignore", message="A network error occurred")
            features, labels = sklearn.datasets.fetch_openml(
                dataset.openml_name,
                version=dataset.version,
                data_home=str(home),
                return_X_y=True,
                as_frame=False,  # plain numpy arrays: pandas is not needed
                parser="liac-arff",
                n_retries=NETWORK_RETRIES,
                delay=RETRY_DELAY_SECONDS,
            )
    except (OSError, http.client.HTTPException) as exc:
        # URLError, timeouts and refused connections are all OSErrors. `from
        # None`: the user needs our explanation, not urllib's traceback.
        raise _unavailable(dataset, home, exc, cache_is_corrupt) from None
    except ValueError as exc:
        # A cached ARFF file whose md5 does not match OpenML's description.
        # scikit-learn 1.6 and 1.9 delete it and download it again; 1.7 and 1.8
        # look for it under a wrong name, keep it and fail on every call.
        if "md5 checksum" not in str(exc):
            raise
        raise ValueError(
            f"scikit-learn's download cache of {dataset.title} is corrupt ({exc}). "
            f"Delete the folder {str(Path(home) / 'openml')!r} and load the data set again"
        ) from None

    expected = (dataset.n_train + dataset.n_test, math.prod(dataset.image_shape))
    if features.shape != expected:
        raise ValueError(
            f"OpenML {dataset.openml_name!r} version {dataset.version} has shape "
            f"{features.shape}, expected {expected}; the data set on OpenML has "
            "changed, please report this to minidl"
        )
    pixels = features.astype(np.uint8)
    if not (features.min() >= 0 and features.max() <= 255 and np.array_equal(pixels, features)):
        raise ValueError(
            f"OpenML {dataset.openml_name!r} holds pixel values that are not whole "
            "numbers from 0 to 255 (or are missing); the downloaded data is not "
            f"the expected {dataset.title}. Delete {str(Path(home) / 'openml')!r} and retry"
        )
    # OpenML stores class labels as strings such as "7".
    labels = np.asarray(labels).astype(np.int64)
    if labels.min() < 0 or labels.max() >= dataset.n_classes:
        raise ValueError(
            f"OpenML {dataset.openml_name!r} labels range from {labels.min()} to "
            f"{labels.max()}, expected 0 to {dataset.n_classes - 1}"
        )
    split = dataset.n_train
    return {
        "x_train": pixels[:split],
        "t_train": labels[:split].astype(np.uint8),
        "x_test": pixels[split:],
        "t_test": labels[split:].astype(np.uint8),
    }


def _read_cache(path, dataset):
    """The cached arrays, after checking they have the shapes ``dataset`` implies."""
    arrays = load_cache(path, dataset.source)
    n_pixels = math.prod(dataset.image_shape)
    expected = {
        "x_train": (dataset.n_train, n_pixels),
        "t_train": (dataset.n_train,),
        "x_test": (dataset.n_test, n_pixels),
        "t_test": (dataset.n_test,),
    }
    for name, shape in expected.items():
        if arrays[name].shape != shape or arrays[name].dtype != np.uint8:
            raise CorruptCacheError(
                f"data set cache {str(path)!r} holds {name} as {arrays[name].dtype} "
                f"{arrays[name].shape}, expected uint8 {shape}; delete it to rebuild it"
            )
    # A sound checksum proves the file unchanged since it was written, not that its labels are classes
    # of this data set: labels 200-209 would make a network of 210 outputs.
    for name in ("t_train", "t_test"):
        largest = int(arrays[name].max(initial=0))
        if largest >= dataset.n_classes:
            raise CorruptCacheError(
                f"data set cache {str(path)!r} holds the label {largest} in {name}, but {dataset.title} has "
                f"{dataset.n_classes} classes (labels 0 to {dataset.n_classes - 1}); delete it to rebuild it"
            )
    return arrays


def _data_home(data_home):
    """scikit-learn's data home (created if missing); a ValueError naming where its path came from if it cannot be.

    ``sklearn.datasets.get_data_home`` creates the folder and lets the raw
    ``[Errno 17] File exists`` through when the path names a file, which
    says neither which setting gave the path nor what to do.
    """
    import sklearn.datasets  # on first use: see load_digits

    try:
        return Path(sklearn.datasets.get_data_home(data_home))
    except OSError as exc:
        variable = os.environ.get("SCIKIT_LEARN_DATA")
        if data_home is not None:
            source, fix = f"data_home {str(data_home)!r}", "pass the path of a folder (it is created if missing)"
        elif variable:
            source = f"the data home {variable!r}, named by the SCIKIT_LEARN_DATA environment variable,"
            fix = "point SCIKIT_LEARN_DATA at a folder (it is created if missing), or unset it to use ~/scikit_learn_data"
        else:
            source, fix = "the data home '~/scikit_learn_data'", "set SCIKIT_LEARN_DATA to a folder (or pass data_home)"
        problems = {errno.EEXIST: "is a file, not a folder", errno.ENOTDIR: "lies inside a file, not a folder"}
        problem = problems.get(exc.errno, f"cannot be created ({exc.strerror})")
        raise ValueError(f"{source} {problem}; {fix}") from exc


def load_openml(dataset, normalize=True, flatten=True, one_hot=False, data_home=None):
    """Load an OpenML image data set described by an :class:`OpenMLDataset`.

    This is the engine behind :func:`load_mnist` and
    :func:`load_fashion_mnist`; see them for the parameters. The steps:

    1. read ``<data_home>/minidl/<name>.npz`` if it exists and its checksum
       is right;
    2. otherwise (no cache, or a corrupt one: a warning says so) call
       ``fetch_openml``, which uses scikit-learn's own download cache or the
       network, and write a fresh compact cache atomically;
    3. convert to the requested form.

    Raises
    ------
    DatasetUnavailableError
        If there is no usable cache and the download fails.
    """
    home = _data_home(data_home)
    path = dataset.cache_path(home)
    arrays, cache_is_corrupt = None, False
    try:
        arrays = _read_cache(path, dataset)
    except FileNotFoundError:
        pass
    except CorruptCacheError as exc:
        cache_is_corrupt = True
        warnings.warn(f"{exc} (rebuilding it now)", UserWarning, stacklevel=3)
    if arrays is None:
        arrays = _fetch(dataset, home, cache_is_corrupt)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            save_cache(path, arrays, dataset.source, overwrite=cache_is_corrupt)
        except (OSError, ValueError) as exc:
            # The data is loaded; only the speed-up of later loads is lost.
            message = f"could not write the cache {str(path)!r} ({exc})"
            warnings.warn(message, UserWarning, stacklevel=3)
    return prepare_split((arrays["x_train"], arrays["t_train"]), (arrays["x_test"], arrays["t_test"]),
                         dataset.image_shape, 255, dataset.n_classes, normalize=normalize, flatten=flatten,
                         one_hot=one_hot)


def load_mnist(normalize=True, flatten=True, one_hot=False, data_home=None):
    """Load MNIST: 70,000 handwritten digits, 28x28 pixels, in the standard split.

    Parameters
    ----------
    normalize : bool, default=True
        If True, pixels are float32 in [0, 1] (stored value / 255); otherwise
        uint8 from 0 to 255.
    flatten : bool, default=True
        If True, images have shape (N, 784); otherwise (N, 1, 28, 28).
    one_hot : bool, default=False
        If True, labels are float32 one-hot rows of shape (N, 10); otherwise
        int64 class numbers of shape (N,).
    data_home : str or os.PathLike, optional
        Where downloads and caches are kept. Default: scikit-learn's data
        home (``~/scikit_learn_data``, or ``$SCIKIT_LEARN_DATA`` if set).

    Returns
    -------
    (x_train, t_train), (x_test, t_test) : tuple of tuples of ndarray
        60,000 training and 10,000 test samples (OpenML ``mnist_784``
        version 1, whose first 60,000 rows are the official training set).

    Raises
    ------
    DatasetUnavailableError
        If MNIST is not cached and cannot be downloaded. The message lists
        the offline alternatives.

    Examples
    --------
    >>> (x_train, t_train), (x_test, t_test) = load_mnist()
    >>> x_train.shape, x_train.dtype, t_train[:5]
    ((60000, 784), dtype('float32'), array([5, 0, 4, 1, 9]))
    """
    return load_openml(MNIST, normalize, flatten, one_hot, data_home)


def load_fashion_mnist(normalize=True, flatten=True, one_hot=False, data_home=None):
    """Load Fashion-MNIST: 70,000 28x28 photos of clothes in 10 classes.

    A drop-in replacement for MNIST (same sizes, same split, same
    parameters as :func:`load_mnist`) that is harder: an MLP reaches about
    88 % instead of 98 %, so differences between optimizers show more
    clearly. Classes: 0 T-shirt/top, 1 trouser, 2 pullover, 3 dress, 4 coat,
    5 sandal, 6 shirt, 7 sneaker, 8 bag, 9 ankle boot.
    """
    return load_openml(FASHION_MNIST, normalize, flatten, one_hot, data_home)
