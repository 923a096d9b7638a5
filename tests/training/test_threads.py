"""The Trainer's thread count: limited inside fit only, recorded, and a resume on another count says so."""

import warnings

import pytest
import threadpoolctl

from minidl import MLP
from minidl.serialization import load_checkpoint, save_checkpoint
from minidl.threads import ThreadCountWarning
from minidl.training import Callback, Trainer


def blas_threads():
    counts = [pool["num_threads"] for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas"]
    if not counts:
        pytest.skip("threadpoolctl sees no BLAS library in this numpy")
    return max(counts)


class SeeThreads(Callback):
    """Notes the BLAS thread count in force at every epoch end, i.e. while fit runs."""

    def __init__(self):
        self.seen = []

    def on_epoch_end(self, trainer, epoch, metrics):
        self.seen.append(blas_threads())


def trainer(epochs=2, **settings):
    return Trainer(MLP(64, [16], 10, seed=0), epochs=epochs, batch_size=100, verbose=0, **settings)


@pytest.mark.parametrize("threads, expected", [(None, 1), (2, 2)], ids=["minidl-decides", "explicit"])
def test_fit_limits_the_threads_inside_and_leaves_the_process_as_it_was(digits, threads, expected):
    (x, t), _ = digits
    before = threadpoolctl.threadpool_info()
    with threadpoolctl.threadpool_limits(3):  # a user's own setting, neither minidl's choice nor the explicit one
        seen = SeeThreads()
        history = trainer(threads=threads, callbacks=[seen]).fit(x, t)
        assert blas_threads() == 3
    assert threadpoolctl.threadpool_info() == before
    assert seen.seen == [expected, expected] == history["threads"]


def test_fit_restores_the_limits_after_an_error(digits):
    (x, t), _ = digits
    before = threadpoolctl.threadpool_info()

    class Fail(Callback):
        def on_epoch_end(self, trainer, epoch, metrics):
            raise RuntimeError("a callback fails")

    with pytest.raises(RuntimeError, match="a callback fails"):
        trainer(threads=1, callbacks=[Fail()]).fit(x, t)
    assert threadpoolctl.threadpool_info() == before


def test_the_count_is_in_the_checkpoint_and_a_resume_on_another_says_so_once(digits, tmp_path):
    (x, t), _ = digits
    path = tmp_path / "run.npz"
    trainer(threads=1, checkpoint=path).fit(x, t)
    assert load_checkpoint(path)["trainer"]["threads"] == 1
    resumed = Trainer.from_checkpoint(path, epochs=3, threads=2, verbose=0)
    assert resumed.threads_in_effect == 1
    with pytest.warns(ThreadCountWarning) as caught:
        resumed.fit(x, t)
    assert len(caught) == 1
    assert "the first 2 epoch(s) of this run were trained on 1 BLAS thread(s), the next on 2" in str(caught[0].message)
    assert "threads=1, or --threads 1" in str(caught[0].message)
    resumed.epochs = 4
    with warnings.catch_warnings():
        warnings.simplefilter("error", ThreadCountWarning)
        resumed.fit(x, t)  # the same count as the fit before: nothing to say
    assert resumed.history["threads"] == [1, 1, 2, 2]


def test_a_resume_on_the_same_count_is_silent(digits, tmp_path):
    (x, t), _ = digits
    path = tmp_path / "run.npz"
    trainer(checkpoint=path).fit(x, t)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ThreadCountWarning)
        Trainer.from_checkpoint(path, epochs=3, verbose=0).fit(x, t)


def test_a_checkpoint_from_before_the_thread_count_still_loads(digits, tmp_path):
    (x, t), _ = digits
    path = tmp_path / "old.npz"
    trainer(checkpoint=path).fit(x, t)
    state = load_checkpoint(path)
    del state["trainer"]["threads"]
    save_checkpoint(path, state)
    resumed = Trainer.from_checkpoint(path, epochs=3, threads=2, verbose=0)
    assert resumed.threads_in_effect is None
    with warnings.catch_warnings():
        warnings.simplefilter("error", ThreadCountWarning)  # an unknown count is not called different
        resumed.fit(x, t)
    assert resumed.history["threads"][-1] == 2


def test_a_damaged_thread_count_is_reported(digits, tmp_path):
    (x, t), _ = digits
    path = tmp_path / "run.npz"
    trainer(checkpoint=path).fit(x, t)
    state = load_checkpoint(path)
    state["trainer"]["threads"] = 0
    save_checkpoint(path, state)
    with pytest.raises(ValueError, match="is damaged: trainer.threads must be a whole number >= 1; got 0"):
        Trainer.from_checkpoint(path)
