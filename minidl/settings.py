"""Checks of settings: the numbers, names and choices given to minidl's classes and functions.

A learning rate of 0, a batch size of ``True`` or an activation called
``"Relu6"`` would otherwise fail much later, deep inside numpy, or not at
all. So each setting is *declared* where it enters minidl (a constructor,
``fit``, a command, a file being read) by a constraint: what values it
takes. One function, :func:`check`, holds a value against its constraint,
returns the cleaned value and, if the value is refused, raises an error
worded one way for every setting::

    {name} must be {what it takes}; got {value!r}

The constraints are a small vocabulary, in the spirit of scikit-learn's
declared parameter constraints:

- :class:`Integer` -- a whole number in a range: ``Integer(1)`` for a count,
  ``Integer(0, none=True)`` for "None or >= 0";
- :class:`Real` -- a finite real number in an interval:
  ``Real(0, 1, closed="left")`` for a ratio in [0, 1);
- :class:`Choice` -- one of some names, in any letter case;
- :data:`SEED` -- a random seed: None or a whole number >= 0;
- :class:`PathName` -- the name of a file or folder (a ``str`` or ``os.PathLike``);
- :class:`Sequence` -- a list or tuple, not a string: ``optimizers=("adam",)``;
- :class:`Bounds` -- two numbers ``(low, high)``, high at least low.

A caller writes ``self.epochs = check(epochs, Integer(1), "epochs")`` and
carries on. The short forms :func:`check_number`, :func:`check_positive_int`,
:func:`check_choice` and :func:`check_seed` are the same checks for the
settings minidl meets most. The checks of arrays (data, labels, parameters,
gradients) are in :mod:`minidl.validation`.
"""

from __future__ import annotations

import math
import numbers
import os

import numpy as np

SUPPORTED_DTYPES = ("float32", "float64")


# ================================================================ the constraints
class Integer:
    """A whole number in ``[low, high]``, for counts, sizes, indices and seeds.

    Parameters
    ----------
    low, high : int or None
        The smallest and largest values allowed (``None``: no bound on that side).
    none : bool or str, default False
        Whether ``None`` is allowed too; a string says what ``None`` means
        (``"minidl decides"``) and is shown in the message.
    note : str, optional
        A word on the values, shown in parentheses (``"counted from 0"``).
    also : Integer, optional
        More values allowed besides the range, left for ``note`` to describe
        (``n_jobs``: ``-1`` for every core, and joblib's other negatives).
    switch : bool, default False
        Whether ``False`` and ``True`` (numpy's too) are allowed, as 0 and 1: for a
        level that is also an on/off switch (``verbose=True``, as Keras users
        write it).

    Notes
    -----
    ``True`` is refused (unless ``switch``) although Python's ``bool`` is a
    subclass of ``int``: ``True`` hidden units is a bug, not 1. numpy
    integers are accepted and returned as Python ``int``.
    """

    error = ValueError

    def __init__(self, low=None, high=None, *, none=False, note=None, also=None, switch=False):
        self.low, self.high, self.none, self.note, self.also, self.switch = low, high, none, note, also, switch

    def accepts(self, value):
        if not self.is_kind(value):
            return False
        in_range = (self.low is None or value >= self.low) and (self.high is None or value <= self.high)
        return in_range or (self.also is not None and self.also.accepts(value))

    def is_kind(self, value):
        if isinstance(value, (bool, np.bool_)):
            return self.switch
        return isinstance(value, numbers.Integral)

    def clean(self, value):
        return int(value)

    def __str__(self):
        if self.low is not None and self.high is not None:
            what = f"a whole number in [{self.low}, {self.high}]"
        elif self.low is not None:
            what = f"a whole number >= {self.low}"
        elif self.high is not None:
            what = f"a whole number <= {self.high}"
        else:
            what = "a whole number"
        return what + (f" ({self.note})" if self.note else "")

    def __repr__(self):
        return f"Integer({self.low!r}, {self.high!r}, none={self.none!r})"


class Real:
    """A finite real number in an interval, for rates, ratios and tolerances.

    Parameters
    ----------
    low, high : float or None
        The bounds of the interval (``None``: unbounded on that side, which is
        then open: infinity itself is refused).
    closed : {"both", "left", "right", "neither"}, default "both"
        Which bounds are themselves allowed: ``Real(0, 1, closed="left")`` is
        :math:`[0, 1)`.
    none : bool or str, default False
        Whether ``None`` is allowed too (as for :class:`Integer`).
    note : str, optional
        A word on the values, shown in parentheses (``"a distance"``).

    Notes
    -----
    A value that is not a real number at all (a string, ``True``, ``None``)
    raises ``TypeError``; a real out of the interval, NaN or infinite, raises
    ``ValueError``. The value is returned as a Python ``float`` on purpose:
    numpy treats a Python float as "weakly typed", so ``float32_array *= 0.9``
    stays float32, whereas a ``np.float64`` scalar would make numpy compute
    in float64.
    """

    error = TypeError  # when the value is not a real number; ValueError when it is one out of range

    def __init__(self, low=None, high=None, *, closed="both", none=False, note=None):
        if closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"closed must be 'both', 'left', 'right' or 'neither', got {closed!r}")
        self.low, self.high, self.closed, self.none, self.note = low, high, closed, none, note

    def is_kind(self, value):
        return isinstance(value, numbers.Real) and not isinstance(value, bool)

    def accepts(self, value):
        if not self.is_kind(value) or not math.isfinite(value):
            return False
        low_in, high_in = self.closed in ("both", "left"), self.closed in ("both", "right")
        too_low = self.low is not None and (value < self.low or (value == self.low and not low_in))
        too_high = self.high is not None and (value > self.high or (value == self.high and not high_in))
        return not (too_low or too_high)

    def clean(self, value):
        return float(value)

    def __str__(self):
        left = "[" if self.low is not None and self.closed in ("both", "left") else "("
        right = "]" if self.high is not None and self.closed in ("both", "right") else ")"
        low = "-inf" if self.low is None else float(self.low)
        high = "inf" if self.high is None else float(self.high)
        return f"a finite number in {left}{low}, {high}{right}" + (f" ({self.note})" if self.note else "")

    def __repr__(self):
        return f"Real({self.low!r}, {self.high!r}, closed={self.closed!r})"


class Choice:
    """One of some names (lowercase strings), given in any letter case; returned in lowercase."""

    error = ValueError

    def __init__(self, *choices):
        self.choices, self.none = tuple(choices), False

    def is_kind(self, value):
        return isinstance(value, str)

    def accepts(self, value):
        return isinstance(value, str) and value.lower() in self.choices

    def clean(self, value):
        return value.lower()

    def __str__(self):
        return f"one of {', '.join(map(repr, self.choices))}"

    def __repr__(self):
        return f"Choice{self.choices!r}"


class PathName:
    """The name of a file or folder: a ``str`` or an ``os.PathLike`` (``pathlib.Path``), returned as given.

    Only the kind is checked here: whether the file exists, or may be
    written, is for :mod:`minidl.files` to say when it is used. Any other
    value is a ``TypeError``.
    """

    error = TypeError

    def __init__(self, *, none=False):
        self.none = none

    def is_kind(self, value):
        return isinstance(value, (str, os.PathLike))

    def accepts(self, value):
        return self.is_kind(value)

    def clean(self, value):
        return value

    def __str__(self):
        return "a path (a str or pathlib.Path)"

    def __repr__(self):
        return "PathName()"


class Sequence:
    """An ordered sequence of values (a list or tuple), not a string: names, initialisations, layer widths.

    A string iterates too, letter by letter: ``optimizers="adam"`` would be
    read as the names ``'a'``, ``'d'``, ``'a'``, ``'m'``. So would a dict or a
    set, over keys in an order nobody wrote. They are refused, in these words.

    Parameters
    ----------
    description : str
        What it takes, with an example: ``'a sequence of names such as ("sgd", "adam")'``.
    of : constraint, optional
        What each item takes; :func:`check` holds item ``i`` to it as ``{name}[i]``.
        None: the items are left to the caller (a name to look up, say).
    single : bool, default False
        Whether one item alone is taken as a sequence of one (``100`` for
        ``[100]``, as a network's ``hidden_sizes`` allows).

    Notes
    -----
    The value is returned as a list. Every value is of this kind as far as
    :func:`check` goes: a refusal is a ``ValueError`` showing the value as
    given (``got 'adam'``).
    """

    error = ValueError

    def __init__(self, description, *, of=None, single=False):
        self.description, self.of, self.single, self.none = description, of, single, False

    def is_kind(self, value):
        return True

    def accepts(self, value):
        if self.single and self.of is not None and self.of.is_kind(value) and not isinstance(value, str):
            return True
        # A dict or a set iterates too, over keys in an order nobody wrote as a sequence.
        unordered = isinstance(value, (dict, set, frozenset)) or hasattr(value, "keys")
        return not (isinstance(value, (str, bytes)) or unordered or not hasattr(value, "__iter__"))

    def advice(self, value):
        """What to write instead of ``value``, or None: a string alone is a sequence of one in parentheses."""
        if isinstance(value, str) and self.of is None:
            return f"for one, write a tuple of one: ({value!r},)"
        return None

    def clean(self, value):
        return [value] if self.single and self.of is not None and self.of.is_kind(value) else list(value)

    def check_parts(self, items, name, where):
        """Each item held to ``of``, named ``{name}[i]`` (unchecked without ``of``)."""
        if self.of is None:
            return items
        return [check(item, self.of, f"{name}[{index}]", where=where) for index, item in enumerate(items)]

    def __str__(self):
        return self.description

    def __repr__(self):
        return f"Sequence({self.description!r})"


class Bounds:
    """Two numbers ``(low, high)``, low in a range and high at least low: the bounds of a draw.

    Parameters
    ----------
    low : Real
        What ``low`` takes; ``high`` takes ``Real(low)``. Anything but two
        real numbers is refused as a whole (``got ('a', 1)``).

    Notes
    -----
    :func:`check` names the parts ``{name} low`` and ``{name} high``, or,
    for an option (a name starting with ``-``, such as ``--lr-range``),
    ``LOW`` and ``HIGH``, as the command line writes them (``LOW,HIGH``).
    Returned as a tuple of two floats.
    """

    error = ValueError

    def __init__(self, low):
        self.low, self.none = low, False

    def is_kind(self, value):
        return True

    def accepts(self, value):
        pair = Sequence("").accepts(value) and hasattr(value, "__len__") and len(value) == 2
        return pair and all(Real().is_kind(part) for part in value)

    def clean(self, value):
        return tuple(value)

    def parts(self, name):
        """The names of the two parts: ``("lr_range low", "lr_range high")``, ``("--lr-range LOW", ...)``."""
        parts = ("LOW", "HIGH") if name.startswith("-") else ("low", "high")
        return tuple(f"{name} {part}" for part in parts)

    def check_parts(self, pair, name, where):
        """``low`` held to ``self.low``, then ``high`` to at least ``low``, each in its own words."""
        (low, high), (low_name, high_name) = pair, self.parts(name)
        low = check(low, self.low, low_name, where=where)
        return low, check(high, Real(low, note=f"at least {low_name.split()[-1]}"), high_name, where=where)

    def __str__(self):
        return "a pair (low, high) such as (1e-4, 1e-1)"

    def __repr__(self):
        return f"Bounds({self.low!r})"


#: A random seed: None or a whole number >= 0. Seeds are plain integers so
#: that they can be written into a JSON configuration and reproduce a run.
SEED = Integer(0, none=True)

#: A count or a size: a whole number >= 1.
COUNT = Integer(1)

#: The widths of a network's hidden layers: whole numbers >= 1, or one alone for one layer.
HIDDEN_SIZES = Sequence("a list of positive integers such as [100, 100]", of=COUNT, single=True)


# ================================================================ the check
def check(value, constraint, name, *, where=None, fix=None):
    """Return ``value`` cleaned if ``constraint`` allows it, else raise an error that says so.

    Parameters
    ----------
    value : object
        What the user passed (or what a file holds).
    constraint : Integer, Real, Choice or PathName
        What the setting takes.
    name : str
        The setting's name, as the user wrote it (``"batch_size"``, ``"--epochs"``).
    where : str, optional
        What the value belongs to, put first: ``"checkpoint 'run.npz' is damaged"``.
        Then the error is always a ``ValueError``: it is what the value
        belongs to (a file, say) that is wrong, not the type of an argument.
    fix : str, optional
        What to do, put last.

    Raises
    ------
    ValueError
        ``{where}: {name} must be {constraint}; got {value!r}; {fix}``. A
        choice that is not known reads ``unknown {name} {value!r}; choose
        one of ...``, the wording of every unknown name in minidl.
    TypeError
        The same message, for a :class:`Real` given something that is not a
        real number at all (and no ``where``).
    """
    if value is None and constraint.none:
        return None
    if constraint.accepts(value):
        cleaned = constraint.clean(value)
        check_parts = getattr(constraint, "check_parts", None)  # a constraint made of parts checks each in its words
        return cleaned if check_parts is None else check_parts(cleaned, name, where)
    kind = constraint.is_kind(value)
    if isinstance(constraint, Choice):
        message = f"unknown {name} {value!r}; choose {constraint}"
    else:
        meaning = f" ({constraint.none})" if isinstance(constraint.none, str) else ""
        allowed = f"None{meaning} or {constraint}" if constraint.none else str(constraint)
        # A real is shown as the float it was read as; a value of another kind with its type ('2' of type str).
        got = repr(constraint.clean(value)) if kind and isinstance(constraint, Real) else repr(value)
        typed = "" if kind or value is None else f" of type {type(value).__name__}"
        message = f"{name} must be {allowed}; got {got}{typed}"
    fix = fix or getattr(constraint, "advice", lambda value: None)(value)
    message = (f"{where}: " if where else "") + message + (f"; {fix}" if fix else "")
    raise (ValueError if kind or where else constraint.error)(message)


# ================================================================ short forms
def check_number(value, name, *, low=None, high=None, low_inclusive=True, high_inclusive=True):
    """``check(value, Real(low, high, ...), name)``: a finite real in range, as a Python float."""
    closed = {(True, True): "both", (True, False): "left", (False, True): "right", (False, False): "neither"}
    return check(value, Real(low, high, closed=closed[low_inclusive, high_inclusive]), name)


def check_positive_int(value, name):
    """``check(value, COUNT, name)``: a whole number >= 1 (a count or a size), as an ``int``."""
    return check(value, COUNT, name)


def check_choice(value, choices, name):
    """``check(value, Choice(*choices), name)``: one of ``choices`` in any letter case, in lowercase."""
    return check(value, Choice(*choices), name)


def check_seed(seed):
    """``check(seed, SEED, "seed")``: None or a whole number >= 0, as an ``int``."""
    return check(seed, SEED, "seed")


def check_dtype(dtype):
    """Return ``np.dtype(dtype)`` if it is float32 or float64, else raise ``ValueError``.

    ``None`` means the documented default, float32 (numpy alone would read
    it as float64).
    """
    if dtype is None:
        return np.dtype(SUPPORTED_DTYPES[0])
    try:
        resolved = np.dtype(dtype)
    except TypeError as error:
        raise ValueError(f"dtype {dtype!r} is not a numpy dtype; use one of {SUPPORTED_DTYPES}") from error
    if resolved.name not in SUPPORTED_DTYPES:
        raise ValueError(
            f"dtype {resolved.name!r} is not supported; use one of {SUPPORTED_DTYPES} "
            "(float32 is fast, float64 is precise enough for gradient checks)"
        )
    return resolved


def check_hidden_sizes(hidden_sizes):
    """Return the hidden layer widths as a list of positive ints.

    A single int means one hidden layer; an empty list means no hidden layer
    (multinomial logistic regression).
    """
    return check(hidden_sizes, HIDDEN_SIZES, "hidden_sizes")
