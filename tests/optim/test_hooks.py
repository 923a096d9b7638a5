"""WeightDecay and ClipGradNorm, by hand (their equality with torch is in test_against_torch.py)."""

from types import MappingProxyType

import numpy as np
import pytest

from minidl import optim
from minidl.optim.hooks import global_norm


def test_weight_decay_adds_rate_times_weights_in_place():
    params = {"W": np.array([[1.0, -2.0]]), "b": np.array([4.0])}
    grads = {"W": np.array([[0.5, 0.5]]), "b": np.array([0.0])}
    same_array = grads["W"]
    optim.WeightDecay(0.1)(params, grads)
    assert grads["W"] is same_array
    np.testing.assert_allclose(grads["W"], [[0.6, 0.3]], rtol=1e-15)
    np.testing.assert_allclose(grads["b"], [0.4], rtol=1e-15)


def test_clip_grad_norm_rescales_all_gradients_together():
    grads = {"a": np.array([3.0]), "b": np.array([[4.0]])}  # global norm 5
    optim.ClipGradNorm(1.0)({}, grads)
    scale = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(grads["a"], [3.0 * scale], rtol=1e-15)
    np.testing.assert_allclose(grads["b"], [[4.0 * scale]], rtol=1e-15)


def test_clip_grad_norm_leaves_small_gradients_alone():
    grads = {"a": np.array([0.3, 0.4])}
    optim.ClipGradNorm(1.0)({}, grads)
    assert grads["a"].tolist() == [0.3, 0.4]


def test_global_norm_survives_float32_overflow():
    huge = np.full(4, 1e30, dtype=np.float32)  # each square overflows float32
    assert global_norm([huge, np.array([0.0])]) == pytest.approx(2e30, rel=1e-6)


def test_hooks_run_in_the_order_they_were_added():
    def run(first, second):
        params = {"w": np.array([10.0])}
        grads = {"w": np.array([3.0])}
        optim.SGD(lr=1.0).add_hook(first).add_hook(second).update(params, grads)
        return params["w"][0]

    clip_then_decay = run(optim.ClipGradNorm(1.0), optim.WeightDecay(0.5))  # g = ~1 + 5
    decay_then_clip = run(optim.WeightDecay(0.5), optim.ClipGradNorm(1.0))  # g = ~1
    assert clip_then_decay == pytest.approx(10.0 - 6.0, rel=1e-6)
    assert decay_then_clip == pytest.approx(10.0 - 1.0, rel=1e-6)


def test_hooks_need_writeable_gradients_and_say_so():
    grad = np.ones(2)
    grad.flags.writeable = False
    params = {"w": np.ones(2)}
    with pytest.raises(ValueError, match="read-only"):
        optim.SGD().add_hook(optim.WeightDecay(0.1)).update(params, {"w": grad})
    assert params["w"].tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    ("hook", "settings"), [(optim.WeightDecay, {"rate": -1.0}), (optim.ClipGradNorm, {"max_norm": 0.0})]
)
def test_bad_hook_settings_raise(hook, settings):
    with pytest.raises(ValueError, match=next(iter(settings))):
        hook(**settings)


def test_hook_reprs():
    assert repr(optim.WeightDecay(0.001)) == "WeightDecay(rate=0.001)"
    assert repr(optim.ClipGradNorm(5)) == "ClipGradNorm(max_norm=5.0)"


def test_global_norm_of_views_and_several_arrays():
    grid = np.arange(12.0).reshape(3, 4)
    expected = np.sqrt(np.sum(grid[:, ::2] ** 2) + np.sum(grid.T**2) + 4.0)
    assert global_norm([grid[:, ::2], grid.T, np.array([2.0])]) == pytest.approx(expected, rel=1e-15)


def test_hooks_accept_any_mapping_of_gradients_and_change_its_arrays_in_place():
    params = {"w": np.ones(3)}
    gradient = np.full(3, 2.0)
    grads = MappingProxyType({"w": gradient})  # read-only mapping: a hook can only change the arrays
    optimizer = optim.SGD(lr=0.1).add_hook(optim.WeightDecay(0.5)).add_hook(optim.ClipGradNorm(1.0))
    optimizer.update(params, grads)
    assert grads["w"] is gradient
    np.testing.assert_allclose(gradient, np.full(3, 1.0 / np.sqrt(3.0)), rtol=1e-6)  # (2 + 0.5) clipped to norm 1
    np.testing.assert_allclose(params["w"], 1.0 - 0.1 * gradient)
