"""From stored pixels and labels to the arrays a network is trained on.

Every loader in :mod:`minidl.datasets` keeps its data the way it is stored
on disk: small unsigned integers (``uint8``) for the pixels, whole numbers
for the labels. The three options every loader shares (``normalize``,
``flatten``, ``one_hot``) are applied here, once, so that MNIST, the 8x8
digits and IDX files all come out in exactly the same form.
"""

from __future__ import annotations

import numpy as np


def prepare_images(pixels, image_shape, max_value=255, normalize=True, flatten=True):
    """Reshape and (optionally) rescale a stack of stored images.

    Parameters
    ----------
    pixels : ndarray of shape (N, height * width) or (N, height, width)
        Stored pixel intensities, whole numbers from 0 to ``max_value``.
    image_shape : tuple of int
        ``(height, width)`` of one image, e.g. ``(28, 28)`` for MNIST.
    max_value : int, default=255
        The brightest possible pixel: 255 for MNIST, 16 for the 8x8 digits.
    normalize : bool, default=True
        If True, return float32 values in [0, 1]; otherwise keep the stored
        integers unchanged (useful to look at the raw data, or to save memory).
    flatten : bool, default=True
        If True, each image becomes one row of ``height * width`` numbers,
        which is what a fully connected layer expects. If False, images keep
        the layout ``(N, 1, height, width)`` (one colour channel) that
        convolution layers expect.

    Returns
    -------
    ndarray
        Shape ``(N, height * width)`` or ``(N, 1, height, width)``.

    Notes
    -----
    Normalising maps a pixel :math:`p \\in \\{0, \\dots, p_{max}\\}` to
    :math:`x = p / p_{max} \\in [0, 1]`. Inputs of order one keep the first
    layer's pre-activations :math:`x W + b` in the range where sigmoid and
    tanh still have a useful slope, and make the usual weight initialisations
    (Xavier, He) behave as their derivations assume.
    """
    pixels = np.asarray(pixels)
    count = len(pixels)
    if flatten:
        images = pixels.reshape(count, -1)
    else:
        images = pixels.reshape(count, 1, *image_shape)
    if normalize:
        # float32 halves the memory of float64 and is plenty for [0, 1] pixels.
        images = images.astype(np.float32)
        images /= max_value
    return images


def to_one_hot(labels, n_classes):
    """Turn class numbers into one-hot rows.

    Parameters
    ----------
    labels : ndarray of int, shape (N,)
        Class numbers from 0 to ``n_classes - 1``.
    n_classes : int
        Number of classes, the width of each one-hot row.

    Returns
    -------
    ndarray of float32, shape (N, n_classes)
        Row ``i`` is all zeros except a 1 in column ``labels[i]``.

    Raises
    ------
    ValueError
        If a label is outside ``0 .. n_classes - 1``.

    Examples
    --------
    >>> to_one_hot(np.array([2, 0]), 3)
    array([[0., 0., 1.],
           [1., 0., 0.]], dtype=float32)
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(
            f"labels must be a 1-d array of class numbers, got shape {labels.shape}; "
            "pass t.ravel() or the integer labels before any one-hot encoding"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"labels must lie in 0 .. {n_classes - 1} for {n_classes} classes, "
            f"got values from {labels.min()} to {labels.max()}; "
            "check n_classes or the labels"
        )
    one_hot = np.zeros((len(labels), n_classes), dtype=np.float32)
    one_hot[np.arange(len(labels)), labels] = 1.0
    return one_hot


def prepare_labels(labels, one_hot=False, n_classes=10):
    """Return labels as int64 class numbers, or as float32 one-hot rows.

    Parameters
    ----------
    labels : array_like of int, shape (N,)
        Stored class numbers.
    one_hot : bool, default=False
        If True, return ``to_one_hot(labels, n_classes)``. Class numbers are
        the default because they are 10 times smaller and the cross-entropy
        loss only needs the index of the right class.
    n_classes : int, default=10
        Width of the one-hot rows.

    Returns
    -------
    ndarray
        int64 of shape (N,), or float32 of shape (N, n_classes).
    """
    labels = np.asarray(labels).astype(np.int64)
    if one_hot:
        return to_one_hot(labels, n_classes)
    return labels


def prepare_split(train, test, image_shape, max_value, n_classes, *, normalize, flatten, one_hot):
    """A loader's return value: both parts, their images and labels prepared alike.

    Parameters
    ----------
    train, test : tuple of (pixels, labels)
        The stored arrays of each part, as :func:`prepare_images` and
        :func:`prepare_labels` take them.
    image_shape, max_value, normalize, flatten
        As for :func:`prepare_images`.
    n_classes, one_hot
        As for :func:`prepare_labels`.

    Returns
    -------
    (x_train, t_train), (x_test, t_test) : tuple of tuples of ndarray
    """
    def prepare(pixels, labels):
        return (prepare_images(pixels, image_shape, max_value, normalize, flatten),
                prepare_labels(labels, one_hot, n_classes))

    return prepare(*train), prepare(*test)
