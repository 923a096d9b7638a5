"""softmax, cross_entropy and SoftmaxWithLoss against hand-computed values and finite differences."""

import numpy as np
import pytest

from minidl.gradcheck import numerical_gradient, relative_error
from minidl.losses import SoftmaxWithLoss, cross_entropy, softmax


def test_softmax_by_hand():
    # exp of (0, ln 2, ln 3) is (1, 2, 3): probabilities 1/6, 2/6, 3/6.
    np.testing.assert_allclose(softmax(np.log([[1.0, 2.0, 3.0]])), [[1 / 6, 2 / 6, 3 / 6]], rtol=1e-15)


def test_softmax_is_shift_invariant_and_does_not_overflow():
    scores = np.array([[1000.0, 1000.0 + np.log(3.0)]])
    np.testing.assert_allclose(softmax(scores), [[0.25, 0.75]], rtol=1e-12)
    np.testing.assert_allclose(softmax(scores - 1000.0), softmax(scores), rtol=1e-12)


def test_softmax_rows_sum_to_one_and_keep_float32():
    probabilities = softmax(np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32))
    assert probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)


def test_cross_entropy_by_hand_with_labels_and_one_hot():
    probabilities = np.array([[0.5, 0.25, 0.25], [0.1, 0.1, 0.8]])
    expected = (np.log(2.0) - np.log(0.8)) / 2
    assert cross_entropy(probabilities, np.array([0, 2])) == pytest.approx(expected, rel=1e-14)
    assert cross_entropy(probabilities, np.array([[1, 0, 0], [0, 0, 1]])) == pytest.approx(expected, rel=1e-14)


def test_cross_entropy_of_zero_probability_is_large_but_finite():
    loss = cross_entropy(np.array([[1.0, 0.0]]), np.array([1]))
    assert np.isfinite(loss) and loss > 700  # -log(2.2e-308) is about 708


def test_softmax_with_loss_by_hand():
    layer = SoftmaxWithLoss()
    # Probabilities (1/6, 2/6, 3/6); the true class 2 has 1/2, so the loss is ln 2.
    assert layer.forward(np.log([[1.0, 2.0, 3.0]]), np.array([2])) == pytest.approx(np.log(2.0), rel=1e-14)
    np.testing.assert_allclose(layer.backward(), [[1 / 6, 2 / 6, 3 / 6 - 1]], rtol=1e-14)


def test_softmax_with_loss_is_stable_for_confident_mistakes():
    # log-sum-exp: loss = log(e^1000 + e^0) - 0 = 1000 (log(softmax) would give inf).
    loss = SoftmaxWithLoss().forward(np.array([[1000.0, 0.0]]), np.array([1]))
    assert loss == pytest.approx(1000.0, rel=1e-12)


def test_softmax_with_loss_agrees_with_the_plain_functions():
    rng = np.random.default_rng(1)
    scores, labels = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    layer = SoftmaxWithLoss()
    loss = layer.forward(scores, labels)
    assert loss == pytest.approx(cross_entropy(softmax(scores), labels), rel=1e-12)
    one_hot = np.eye(4)[labels]
    np.testing.assert_allclose(layer.backward(), (softmax(scores) - one_hot) / 6, rtol=1e-12)


def test_softmax_with_loss_gradient_matches_numerical():
    rng = np.random.default_rng(2)
    scores, labels = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    layer = SoftmaxWithLoss()
    layer.forward(scores, labels)
    analytic = layer.backward()
    numerical = numerical_gradient(lambda s: layer.forward(s, labels), scores)
    assert relative_error(analytic, numerical) < 1e-6


def test_softmax_with_loss_one_hot_and_labels_are_the_same():
    rng = np.random.default_rng(3)
    scores, labels = rng.standard_normal((4, 3)), np.array([0, 2, 1, 2])
    by_label, by_one_hot = SoftmaxWithLoss(), SoftmaxWithLoss()
    assert by_label.forward(scores, labels) == by_one_hot.forward(scores, np.eye(3)[labels])
    np.testing.assert_array_equal(by_label.backward(), by_one_hot.backward())


def test_softmax_with_loss_keeps_float32():
    layer = SoftmaxWithLoss()
    layer.forward(np.ones((2, 3), dtype=np.float32), np.array([0, 1]))
    assert layer.probabilities.dtype == np.float32
    assert layer.backward().dtype == np.float32


def test_softmax_with_loss_rejects_bad_labels():
    layer = SoftmaxWithLoss()
    with pytest.raises(ValueError, match=r"label 3, outside \[0, 3\)"):
        layer.forward(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="3 labels but the batch has 2 samples"):
        layer.forward(np.zeros((2, 3)), np.array([0, 1, 2]))



@pytest.mark.parametrize("scores", [np.array([[1, 2, 3]]), np.zeros(3)])
def test_loss_layer_wants_a_2d_float_array(scores):
    with pytest.raises(ValueError, match="floating-point array of shape"):
        SoftmaxWithLoss().forward(scores, [0])


def test_loss_layer_accepts_a_nested_list_of_floats():
    expected = np.log(np.exp([1.0, 2.0, 3.0]).sum()) - 3.0
    assert SoftmaxWithLoss().forward([[1.0, 2.0, 3.0]], [2]) == pytest.approx(expected)
