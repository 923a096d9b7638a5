"""The 8x8 handwritten digits bundled with scikit-learn: minidl's offline default.

1,797 images of the digits 0 to 9, 8x8 pixels, each pixel a whole number
from 0 to 16. They ship inside scikit-learn itself, so they load instantly and
without a network: every example and test can run anywhere. A small MLP
reaches about 97 % test accuracy on them in seconds, which makes them ideal
for trying an idea before spending minutes on MNIST.
"""

from __future__ import annotations

import numpy as np

from .convert import prepare_split

IMAGE_SHAPE = (8, 8)
MAX_PIXEL_VALUE = 16
N_CLASSES = 10


def load_digits(normalize=True, flatten=True, one_hot=False, test_size=0.2, seed=0):
    """Load scikit-learn's 8x8 digits, split into a training and a test set.

    Parameters
    ----------
    normalize : bool, default=True
        If True, pixels are float32 in [0, 1] (stored value / 16); otherwise
        uint8 from 0 to 16.
    flatten : bool, default=True
        If True, images have shape (N, 64); otherwise (N, 1, 8, 8).
    one_hot : bool, default=False
        If True, labels are float32 one-hot rows of shape (N, 10); otherwise
        int64 class numbers of shape (N,).
    test_size : float or int, default=0.2
        Fraction (or number) of the 1,797 images held out for testing. The
        digits have no official split, so one is made here.
    seed : int, default=0
        Seed of the split: the same seed always gives the same two sets.

    Returns
    -------
    (x_train, t_train), (x_test, t_test) : tuple of tuples of ndarray
        With the defaults: x_train (1437, 64) float32, t_train (1437,) int64,
        x_test (360, 64) float32, t_test (360,) int64.

    Notes
    -----
    The split is *stratified*: each digit makes up the same share of the
    training and test sets (about 10 % each), so test accuracy is not skewed
    by a set that happens to be short of some digit.
    """
    # Imported here, not at the top: scikit-learn takes about a second and
    # 85 MB to import, which `minidl.fit` on a user's own data need not pay.
    import sklearn.datasets
    from sklearn.model_selection import train_test_split

    bunch = sklearn.datasets.load_digits()
    # The stored values are whole numbers 0..16 held as float64; uint8 is exact.
    pixels = bunch.data.astype(np.uint8)
    labels = bunch.target.astype(np.int64)
    pixels_train, pixels_test, labels_train, labels_test = train_test_split(
        pixels, labels, test_size=test_size, random_state=seed, stratify=labels
    )
    return prepare_split((pixels_train, labels_train), (pixels_test, labels_test), IMAGE_SHAPE, MAX_PIXEL_VALUE,
                         N_CLASSES, normalize=normalize, flatten=flatten, one_hot=one_hot)
