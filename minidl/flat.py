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
of the same layout, so ``optimizer.update(params, grads)`` can apply its
rule to the whole buffer at once (see :mod:`minidl.optim.workspace`).

Its arrays can be changed, never replaced: ``params["W1"] -= step`` works
as in the book's code, but ``params["W1"] = new_array`` raises an error.
The layers hold the old array; a new one would never be trained.
:class:`InPlaceArrays` is that rule, for any dict of arrays.
"""

from __future__ import annotations

import itertools
import math

import numpy as np


class InPlaceArrays(dict):
    """A dict of arrays that can be changed in place but not replaced, added to or removed from.

    ``arrays[name] -= step`` is allowed: numpy's ``-=`` changes the array and
    Python then stores that same array back under ``name``. Everything that
    would put another array under a name or change the names
    (``arrays[name] = new``, ``update``, ``setdefault`` of a new name, ``|=``,
    ``del``, ``pop``, ``popitem``, ``clear``) raises a ``TypeError`` whose
    message shows the in-place way.

    Subclasses say why in :meth:`_refusal`.
    """

    def _refusal(self, name, change):
        """The message for a refused ``change`` ("replace", "add" or "remove") of entry ``name``."""
        return (
            f"cannot {change} {name!r}: a {type(self).__name__} keeps its arrays and changes them only in "
            f"place; update the array itself: arrays[{name!r}] -= step, or arrays[{name!r}][...] = values"
        )

    def __setitem__(self, name, array):
        if name not in self:
            raise TypeError(self._refusal(name, "add"))
        if dict.__getitem__(self, name) is not array:
            raise TypeError(self._refusal(name, "replace"))

    def setdefault(self, name, default=None):
        if name not in self:
            raise TypeError(self._refusal(name, "add"))
        return self[name]

    def update(self, *others, **named):
        for name, array in dict(*others, **named).items():
            self[name] = array

    def __ior__(self, other):
        self.update(other)
        return self

    def __delitem__(self, name):
        raise TypeError(self._refusal(name, "remove"))

    def pop(self, name, *default):
        raise TypeError(self._refusal(name, "remove"))

    def popitem(self):
        raise TypeError(self._refusal(next(reversed(self), "an entry"), "remove"))

    def clear(self):
        raise TypeError(self._refusal(next(iter(self), "an entry"), "remove"))

    def _store(self, name, array):
        """Put ``array`` under ``name`` while building the dict (the only way in besides the constructor)."""
        dict.__setitem__(self, name, array)

    def __reduce__(self):
        # copy, deepcopy and pickle would otherwise add the entries one by one
        # through __setitem__, which refuses new names.
        return (_rebuild, (type(self), dict(self), self.__dict__))


def _rebuild(cls, entries, attributes):
    """An ``InPlaceArrays`` subclass holding ``entries``, for :meth:`InPlaceArrays.__reduce__`."""
    arrays = cls.__new__(cls)
    arrays.__dict__.update(attributes)
    for name, array in entries.items():
        arrays._store(name, array)
    return arrays


class FlatArrays(InPlaceArrays):
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
    Its names always hold their views of ``flat``: as an
    :class:`InPlaceArrays` it refuses ``params["W1"] = new_array`` and any
    other change of its entries, so ``flat`` always stands for the whole
    dict. Write into the arrays instead (``params["W1"][...] = values``).

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
            self._store(name, flat[start:stop].reshape(shape))

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

    def _refusal(self, name, change):
        if change == "replace":
            return (
                f"cannot replace params[{name!r}]: it is a view of the one buffer that the network's layers and "
                "its optimizer use, so a new array would never be trained; update it in place instead: "
                f"params[{name!r}] -= step, or params[{name!r}][...] = values"
            )
        return (
            f"cannot {change} {name!r}: a FlatArrays, such as a network's params or grads, keeps the names "
            f"of its layout ({', '.join(name for name, _ in self.layout)}); for a dict of your own, copy it: dict(params)"
        )

    def __copy__(self):
        # A new dict holding the very same arrays, as copy.copy of a plain dict
        # does, so an optimizer bound to these arrays accepts the copy.
        twin = FlatArrays.__new__(FlatArrays)
        twin.__dict__.update(self.__dict__)  # the same buffer, layout and spans
        for name, array in self.items():
            twin._store(name, array)
        return twin

    def __reduce__(self):
        # For pickle and copy.deepcopy: rebuilt over (a copy of) the buffer, so
        # the arrays are views again (a copied view would come back as an
        # independent array). Other holders of the old views, such as a
        # network's layers, must be pointed at the new ones (MLP.__setstate__
        # does).
        return (FlatArrays, (self.layout, self.flat.dtype, self.flat))
