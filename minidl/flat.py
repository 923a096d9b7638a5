"""Named arrays that live side by side in one flat buffer.

A network's parameters are a dict ``W1, b1, W2, b2, ...`` of arrays of many
shapes. Most optimizers treat every number alike: Adam's rule for one weight
does not depend on which matrix the weight sits in. If all the arrays are
*views* into one contiguous 1-D array, an optimizer can apply its rule to
that one array with a dozen numpy operations, instead of a dozen operations
for every parameter. For a small network the saving is large, because each
numpy call costs about a microsecond before it touches a single number.

:class:`FlatArrays` is such a dict. It behaves exactly like the plain dict
of the book's code (``params["W1"]`` is an array of shape (784, 100) that
the layers hold and update in place), and it also offers ``flat``, the one
buffer behind all the values::

    flat:  [ W1 (784*100 numbers) | b1 (100) | W2 (100*100) | b2 (100) | ... ]
    W1 = flat[0:78400].reshape(784, 100)      # a view: no copy, same memory

The MLP keeps its parameters in one, and hands out its gradients in another
of the same layout, so ``optimizer.update(params, grads)`` can take the fast
path (see :class:`minidl.optim.Optimizer`).
"""

from __future__ import annotations

import itertools
import math

import numpy as np


class FlatArrays(dict):
    """A dict name -> array whose arrays are consecutive views of one 1-D buffer.

    Parameters
    ----------
    layout : sequence of (str, tuple of int)
        Each entry's name and shape, in buffer order, e.g.
        ``[("W1", (784, 100)), ("b1", (100,))]``.
    dtype : numpy floating dtype, default float64
        The buffer's dtype, shared by every array.
    flat : numpy.ndarray, optional
        The buffer to use: 1-D, contiguous, of ``dtype`` and of the total
        size. By default a new buffer of zeros.

    Attributes
    ----------
    flat : numpy.ndarray, shape (total size,)
        The buffer; writing into it writes into the named arrays and back.
    layout : tuple of (str, tuple of int)
        Names and shapes, in buffer order.

    Notes
    -----
    It is a dict, so anything may be stored in it; only while every name
    still holds its original view does ``flat`` stand for the values.
    :meth:`is_intact` checks that (it costs one identity test a name),
    and code that uses ``flat`` checks it first. Rebinding an entry
    (``params["W1"] = new_array``) therefore never corrupts anything: it
    only turns the fast path off.

    Examples
    --------
    >>> arrays = FlatArrays([("W", (2, 3)), ("b", (3,))], np.float32)
    >>> arrays["W"][...] = 1.0
    >>> arrays.flat
    array([1., 1., 1., 1., 1., 1., 0., 0., 0.], dtype=float32)
    """

    def __init__(self, layout, dtype=np.float64, flat=None):
        self.layout = tuple((str(name), tuple(int(size) for size in shape)) for name, shape in layout)
        if len({name for name, _ in self.layout}) != len(self.layout):
            raise ValueError(f"FlatArrays needs distinct names; got {[name for name, _ in self.layout]}")
        sizes = [math.prod(shape) for _, shape in self.layout]
        total = sum(sizes)
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise ValueError(f"FlatArrays holds floating-point numbers; got dtype {dtype} (use np.float32 or np.float64)")
        if flat is None:
            flat = np.zeros(total, dtype=dtype)
        elif not isinstance(flat, np.ndarray) or flat.shape != (total,) or flat.dtype != dtype:
            raise ValueError(
                f"flat must be a 1-D {dtype} array of {total} numbers (the sum of the layout's sizes); got "
                f"{getattr(flat, 'dtype', type(flat).__name__)} of shape {getattr(flat, 'shape', None)}"
            )
        elif not flat.flags.c_contiguous:
            raise ValueError(
                "flat must be contiguous (a strided view such as a[::2] is not); pass np.ascontiguousarray(flat)"
            )
        offsets = [0, *itertools.accumulate(sizes)]
        self._place(flat, tuple(itertools.pairwise(offsets)))

    def _place(self, flat, spans):
        """Make each name a view of its span ``(start, stop)`` of ``flat``."""
        self.flat, self._spans = flat, spans
        for (name, shape), (start, stop) in zip(self.layout, spans):
            self[name] = flat[start:stop].reshape(shape)
        self._views = tuple(self.values())

    def _like(self, flat):
        # Once per training step (the gradients): skip the checks __init__ made for this layout.
        twin = FlatArrays.__new__(FlatArrays)
        twin.layout = self.layout
        twin._place(flat, self._spans)
        return twin

    def empty_like(self):
        """A new FlatArrays of the same layout and dtype over a fresh, uninitialised buffer."""
        return self._like(np.empty_like(self.flat))

    def zeros_like(self):
        """A new FlatArrays of the same layout and dtype, all zeros."""
        return self._like(np.zeros_like(self.flat))

    def is_intact(self):
        """Whether every name still holds its original view, so that ``flat`` is the whole dict."""
        return len(self) == len(self._views) and all(
            self.get(name) is view for (name, _), view in zip(self.layout, self._views)
        )

    def matches(self, other):
        """Whether ``other`` is an intact FlatArrays of this layout and dtype: the same numbers in the same places.

        Then an element-wise rule applied to ``self.flat`` and ``other.flat``
        together is that rule applied to every pair ``self[name]``, ``other[name]``.
        """
        return (
            isinstance(other, FlatArrays)
            and (other.layout is self.layout or other.layout == self.layout)
            and other.flat.dtype == self.flat.dtype
            and self.is_intact()
            and other.is_intact()
        )

    def __copy__(self):
        # A new dict holding the very same arrays, as copy.copy of a plain dict
        # does, so an optimizer bound to these arrays accepts the copy.
        if not self.is_intact():
            return dict(self)
        twin = FlatArrays.__new__(FlatArrays)
        twin.__dict__.update(self.__dict__)  # the same buffer, layout and views
        twin.update(self)
        return twin

    def __reduce__(self):
        # For pickle and copy.deepcopy: rebuilt over (a copy of) the buffer, so
        # the arrays are views again (a copied view would come back as an
        # independent array). Other holders of the old views, such as a
        # network's layers, must be pointed at the new ones (MLP.__setstate__
        # does). A dict whose entries were rebound is copied as the plain dict
        # it has become.
        if self.is_intact():
            return (FlatArrays, (self.layout, self.flat.dtype, self.flat))
        return (dict, (dict(self),))
