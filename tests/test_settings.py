"""Checks of settings: what passes, what they return, and the messages of what fails."""

import numpy as np
import pytest

from minidl.settings import (
    COUNT,
    SEED,
    Bounds,
    Choice,
    Integer,
    Real,
    Sequence,
    check,
    check_choice,
    check_dtype,
    check_hidden_sizes,
    check_number,
    check_positive_int,
    check_seed,
)


def test_settings_checks_accept_good_values():
    assert check_number(0.0, "momentum", low=0.0, high=1.0, high_inclusive=False) == 0.0
    assert type(check_number(np.float32(0.5), "lr")) is float
    assert check_positive_int(np.int64(3), "n") == 3 and type(check_positive_int(np.int64(3), "n")) is int
    assert check_choice("relu", ("relu", "tanh"), "activation") == "relu"
    assert check_seed(None) is None and check_seed(np.int32(4)) == 4
    assert check_dtype("float32") == np.float32
    assert check_hidden_sizes(50) == [50]
    assert check_hidden_sizes([]) == []
    assert check_hidden_sizes((100, np.int64(20))) == [100, 20]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: check_number(1.0, "momentum", low=0.0, high=1.0, high_inclusive=False),
         r"momentum must be a finite number in \[0.0, 1.0\); got 1.0"),
        (lambda: check_number(0, "lr", low=0.0, low_inclusive=False), r"lr must be a finite number in \(0.0, inf\); got 0.0"),
        (lambda: check_number(float("nan"), "eps", low=0.0), "got nan"),
        (lambda: check_number(float("inf"), "max_norm"), r"in \(-inf, inf\); got inf"),
        (lambda: check_positive_int(True, "input_size"), "input_size must be a whole number >= 1; got True of type bool"),
        (lambda: check_positive_int(0, "input_size"), r">= 1; got 0"),
        (lambda: check_positive_int(2.0, "batch_size"), "got 2.0"),
        (lambda: check_choice("gelu", ("relu", "tanh"), "activation"), "unknown activation 'gelu'; choose one of 'relu', 'tanh'"),
        (lambda: check_seed(-1), "seed must be None or a whole number >= 0; got -1"),
        (lambda: check_dtype(np.float16), "'float16' is not supported"),
        (lambda: check_dtype("banana"), "not a numpy dtype"),
        (lambda: check_hidden_sizes([100, 0]), r"hidden_sizes\[1\] must be a whole number >= 1"),
        (lambda: check_hidden_sizes("100"), "list of positive integers"),
    ],
)
def test_settings_checks_explain_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("value", [True, "0.1", None])
def test_a_number_that_is_not_a_real_is_a_type_error(value):
    with pytest.raises(TypeError, match=r"lr must be a finite number in \(-inf, inf\); got (None$|.* of type)"):
        check_number(value, "lr")


def test_dtype_none_is_the_documented_default_float32():
    from minidl import MLP

    assert check_dtype(None) == np.float32  # np.dtype(None) alone would be float64
    assert MLP(8, [3], 3, dtype=None).params.flat.dtype == np.float32


@pytest.mark.parametrize("widths", [{3: 1}, {3, 4}, frozenset({5})])
def test_unordered_widths_are_refused(widths):
    with pytest.raises(ValueError, match="hidden_sizes must be a list of positive integers"):
        check_hidden_sizes(widths)


def test_the_constraints_clean_what_they_accept():
    assert check(np.int64(3), COUNT, "n") == 3 and type(check(np.int64(3), COUNT, "n")) is int
    assert check(None, SEED, "seed") is None and check(0, SEED, "seed") == 0
    assert check(5, Integer(0, 5), "index") == 5
    assert check(-2, Integer(1, also=Integer(high=-1)), "n_jobs") == -2
    assert check(True, Integer(0, 2, switch=True), "verbose") == 1 and type(check(True, Integer(0, 2, switch=True), "v")) is int
    assert check(False, Integer(0, 2, switch=True), "verbose") == 0
    assert check(0, Real(0, 1, closed="left"), "ratio") == 0.0 and type(check(1, Real(), "x")) is float
    assert check("ReLU", Choice("relu", "tanh"), "activation") == "relu"


@pytest.mark.parametrize(
    "value, constraint, message",
    [
        (6, Integer(0, 5), r"index must be a whole number in \[0, 5\]; got 6$"),
        (0, Integer(1, none="minidl decides"), r"index must be None \(minidl decides\) or a whole number >= 1; got 0$"),
        (-1, Integer(0, note="counted from 0"), r"index must be a whole number >= 0 \(counted from 0\); got -1$"),
        (1.5, COUNT, r"index must be a whole number >= 1; got 1.5 of type float$"),
        (0, Integer(1, also=Integer(high=-1)), r"index must be a whole number >= 1; got 0$"),
        (True, Integer(0, 2), r"index must be a whole number in \[0, 2\]; got True of type bool$"),
        (True, Integer(2, 3, switch=True), r"index must be a whole number in \[2, 3\]; got True$"),
        (1, Real(0, 1, closed="left"), r"index must be a finite number in \[0.0, 1.0\); got 1.0$"),
        (0, Real(0, 1, closed="right"), r"index must be a finite number in \(0.0, 1.0\]; got 0.0$"),
        (float("nan"), Real(), r"in \(-inf, inf\); got nan$"),
        ("x", Choice("a", "b"), r"unknown index 'x'; choose one of 'a', 'b'$"),
    ],
)
def test_one_wording_for_every_refusal(value, constraint, message):
    with pytest.raises(ValueError, match=message):
        check(value, constraint, "index")


def test_where_and_fix_frame_the_one_message():
    with pytest.raises(ValueError, match=r"^checkpoint 'c.npz' is damaged: trainer.epoch must be a whole number "
                                         r">= 0; got '3' of type str; write it again$"):
        check("3", Integer(0), "trainer.epoch", where="checkpoint 'c.npz' is damaged", fix="write it again")


def test_a_path_is_a_str_or_a_path_object():
    import pathlib

    from minidl.settings import PathName

    assert check("run.npz", PathName(), "checkpoint") == "run.npz"
    assert check(pathlib.Path("run.npz"), PathName(), "checkpoint") == pathlib.Path("run.npz")
    assert check(None, PathName(none=True), "checkpoint") is None
    with pytest.raises(TypeError, match=r"checkpoint must be a path \(a str or pathlib.Path\); got 3 of type int$"):
        check(3, PathName(), "checkpoint")


def test_a_real_constraint_refuses_an_unknown_closedness():
    with pytest.raises(ValueError, match="closed must be"):
        Real(0, 1, closed="open")


NAMES = Sequence('a sequence of names such as ("sgd", "adam")')


@pytest.mark.parametrize("value", [("sgd", "adam"), ["sgd"], (name for name in ("sgd",)), ()])
def test_a_sequence_is_taken_as_a_list(value):
    assert check(value, NAMES, "optimizers") == list(value if isinstance(value, (tuple, list)) else ["sgd"])


@pytest.mark.parametrize("value, message", [
    ("adam", """optimizers must be a sequence of names such as ("sgd", "adam"); got 'adam'; for one, write a tuple """
             """of one: ('adam',)"""),
    ({"adam": 1}, """optimizers must be a sequence of names such as ("sgd", "adam"); got {'adam': 1}"""),
    (3, """optimizers must be a sequence of names such as ("sgd", "adam"); got 3"""),
])
def test_a_string_or_a_dict_is_not_a_sequence_of_names(value, message):
    with pytest.raises(ValueError) as error:
        check(value, NAMES, "optimizers")
    assert str(error.value) == message


def test_a_sequence_of_items_checks_each_and_may_take_one_alone():
    widths = Sequence("a list of widths", of=COUNT, single=True)
    assert check(np.int64(7), widths, "hidden_sizes") == [7] and check((3, np.int64(4)), widths, "w") == [3, 4]
    with pytest.raises(ValueError, match=r"^w\[1\] must be a whole number >= 1; got 0$"):
        check([3, 0], widths, "w")
    with pytest.raises(ValueError, match="^w must be a list of widths; got '7'$"):  # no advice: not names
        check("7", widths, "w")


RANGE = Bounds(Real(0, closed="neither"))


def test_bounds_name_their_parts_in_python_and_command_line_words():
    assert check([1e-4, np.float32(0.5)], RANGE, "lr_range") == (1e-4, 0.5)
    assert check((2, 2), RANGE, "lr_range") == (2.0, 2.0)
    with pytest.raises(ValueError, match=r"^lr_range high must be a finite number in \[1.0, inf\) \(at least low\); "
                                         r"got 0.5$"):
        check((1, 0.5), RANGE, "lr_range")
    with pytest.raises(ValueError, match=r"^--lr-range HIGH must be a finite number in \[1.0, inf\) \(at least LOW\); "
                                         r"got 0.5$"):
        check((1, 0.5), RANGE, "--lr-range")
    with pytest.raises(ValueError, match=r"^--lr-range LOW must be a finite number in \(0.0, inf\); got 0.0$"):
        check((0, 1), RANGE, "--lr-range")


@pytest.mark.parametrize("value", [(1,), (1, 2, 3), ("1e-4", 1), "ab", 0.1, {1: 2, 3: 4}])
def test_bounds_are_two_real_numbers(value):
    with pytest.raises(ValueError, match=r"^r must be a pair \(low, high\) such as \(1e-4, 1e-1\); got "):
        check(value, RANGE, "r")
