"""The worked example examples/homework_rmsprop.py runs and shows what it claims."""

import runpy
from pathlib import Path

import numpy as np
import pytest

from minidl import optim
from minidl.homework.checks import check_optimizer
from minidl.optim import registry

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "homework_rmsprop.py"


@pytest.fixture
def example(monkeypatch):
    # The example registers "my_rmsprop"; keep that out of the other tests' registry.
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    return runpy.run_path(str(EXAMPLE), run_name="homework_rmsprop")


def test_the_students_rmsprop_is_registered_and_passes(example):
    assert optim.available()["my_rmsprop"] is example["MyRMSprop"]
    assert check_optimizer("my_rmsprop", "rmsprop", lr=0.01, decay_rate=0.9).ok


def test_the_deliberate_mistake_fails_at_step_1(example):
    report = check_optimizer(example["RMSpropEpsInsideRoot"], "rmsprop", lr=0.01, decay_rate=0.9)
    assert report.problems[0].startswith("same steps as reference: first divergence at step 1")


def test_the_race_by_name_follows_the_built_in_rmsprop(example, capsys):
    result = example["main"]()
    assert result.names == ["sgd", "rmsprop", "my_rmsprop"]
    mine, built_in = result.losses[2], result.losses[1]
    np.testing.assert_allclose(mine, built_in, rtol=1e-4, atol=1e-5)
    final = result.mean_final_loss()
    assert final["my_rmsprop"] < final["sgd"]
    printed = capsys.readouterr().out
    assert "All checks passed." in printed and "1 problem found." in printed
