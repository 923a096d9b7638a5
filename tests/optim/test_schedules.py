"""Learning-rate schedules: hand-computed values, names and errors."""

import math

import pytest

from minidl import optim
from minidl.optim.schedules import get_schedule

SCHEDULES = [
    optim.StepDecay(3),
    optim.ExponentialDecay(0.9),
    optim.CosineDecay(10, min_lr=0.01),
    optim.InverseTimeDecay(0.5),
]


@pytest.mark.parametrize("schedule", SCHEDULES, ids=repr)
def test_epoch_zero_gives_the_initial_rate(schedule):
    assert schedule(0.1, 0) == 0.1


def test_step_decay_by_hand():
    schedule = optim.StepDecay(step_size=3, gamma=0.5)
    assert [schedule(1.0, epoch) for epoch in range(7)] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]


def test_exponential_decay_by_hand():
    schedule = optim.ExponentialDecay(0.9)
    assert schedule(2.0, 3) == pytest.approx(2.0 * 0.729, rel=1e-15)


def test_cosine_decay_by_hand():
    schedule = optim.CosineDecay(total_epochs=4, min_lr=0.1)
    assert schedule(1.0, 2) == pytest.approx(0.55, rel=1e-15)  # half-way: the middle
    assert schedule(1.0, 1) == pytest.approx(0.1 + 0.9 * (1 + math.cos(math.pi / 4)) / 2, rel=1e-15)
    assert schedule(1.0, 4) == pytest.approx(0.1)
    assert schedule(1.0, 9) == pytest.approx(0.1)  # stays at min_lr afterwards


def test_inverse_time_decay_by_hand():
    schedule = optim.InverseTimeDecay(decay=0.5)
    assert schedule(0.3, 4) == pytest.approx(0.1, rel=1e-15)


def test_the_training_loop_pattern_sets_the_optimizer_rate():
    optimizer, schedule = optim.Momentum(lr=0.2), optim.StepDecay(2, gamma=0.1)
    rates = []
    for epoch in range(5):
        optimizer.lr = schedule(0.2, epoch)
        rates.append(optimizer.lr)
    assert rates == pytest.approx([0.2, 0.2, 0.02, 0.02, 0.002], rel=1e-15)


@pytest.mark.parametrize(
    ("name", "settings", "cls"),
    [
        ("step", {"step_size": 5}, optim.StepDecay),
        ("Exponential", {"gamma": 0.95}, optim.ExponentialDecay),
        ("cosine", {"total_epochs": 20}, optim.CosineDecay),
        ("inverse-time", {"decay": 0.1}, optim.InverseTimeDecay),
        ("inverse_time", {"decay": 0.1}, optim.InverseTimeDecay),
    ],
)
def test_get_schedule_by_name(name, settings, cls):
    schedule = get_schedule(name, **settings)
    assert isinstance(schedule, cls)
    assert schedule is optim.get_schedule(schedule)


def test_unknown_schedule_lists_the_known_ones():
    with pytest.raises(ValueError, match="step, exponential, cosine, inverse-time"):
        get_schedule("warmup")
    with pytest.raises(ValueError, match="gamma"):
        get_schedule("step", step_size=2, gama=0.5)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: optim.StepDecay(0), "step_size"),
        (lambda: optim.StepDecay(2.5), "step_size"),
        (lambda: optim.ExponentialDecay(0.0), "gamma"),
        (lambda: optim.ExponentialDecay(1.5), "gamma"),
        (lambda: optim.CosineDecay(0), "total_epochs"),
        (lambda: optim.CosineDecay(10, min_lr=-1.0), "min_lr"),
        (lambda: optim.InverseTimeDecay(float("nan")), "decay"),
        (lambda: optim.StepDecay(2)(0.1, -1), "epoch"),
        (lambda: optim.StepDecay(2)(0.1, 1.5), "epoch"),
        (lambda: optim.StepDecay(2)(0.0, 1), "lr0"),
    ],
)
def test_bad_schedule_arguments_raise(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_schedule_reprs():
    assert [repr(schedule) for schedule in SCHEDULES] == [
        "StepDecay(step_size=3, gamma=0.1)",
        "ExponentialDecay(gamma=0.9)",
        "CosineDecay(total_epochs=10, min_lr=0.01)",
        "InverseTimeDecay(decay=0.5)",
    ]


@pytest.mark.parametrize(
    ("name", "settings", "words"),
    [
        ("cosine", {}, "the 'cosine' schedule needs total_epochs, which has no default; give it as a setting, "
                       "e.g. total_epochs=40"),
        ("step", {"gamma": 0.5}, "the 'step' schedule needs step_size"),
        ("exponential", {}, "needs gamma"),
        ("inverse_time", {}, "the 'inverse-time' schedule needs decay"),
    ],
)
def test_a_missing_setting_is_a_value_error_naming_it(name, settings, words):
    # It used to be a TypeError from deep inside: "__init__() missing 1 required positional argument".
    with pytest.raises(ValueError) as caught:
        get_schedule(name, **settings)
    assert words in str(caught.value)


def test_check_schedule_finds_the_first_unusable_epoch():
    from minidl.optim.schedules import check_schedule

    check_schedule(optim.CosineDecay(5), 0.1, 0, 5)  # reaches 0 only at epoch 5, never trained
    with pytest.raises(ValueError, match=r"gives lr = 0.0 in epoch 4 of 6 .*total_epochs >= 6 .*min_lr=0.001"):
        check_schedule(optim.CosineDecay(3), 0.1, 1, 6)
    check_schedule(optim.CosineDecay(3, min_lr=1e-4), 0.1, 0, 10)  # min_lr > 0: fine for ever
    check_schedule(optim.CosineDecay(3), 0.1, 3, 3)  # no epoch left to run
    with pytest.raises(ValueError, match=r"StepDecay\(step_size=1, gamma=1e-200\) gives lr = 0.0 in epoch 3"):
        check_schedule(optim.StepDecay(1, gamma=1e-200), 0.1, 0, 5)
    with pytest.raises(ValueError, match="gives lr = nan in epoch 1"):
        check_schedule(lambda lr0, epoch: float("nan"), 0.1, 0, 1)
