"""MinidlConvClassifier: the book's convolutional network as a scikit-learn estimator."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from minidl import SimpleConvNet
from minidl.sklearn import MinidlClassifier, MinidlConvClassifier

# 1x1 filters padded by 1: any number of features is an image the 2x2 pooling can take (the checks use 1 to 20).
CHECKED = MinidlConvClassifier(filter_num=4, filter_size=1, pad=1, hidden_size=16, max_iter=20, batch_size=32,
                               learning_rate_init=0.01)
SMALL = {"filter_num": 4, "filter_size": 3, "pad": 1, "hidden_size": 16, "max_iter": 3, "batch_size": 64}


@parametrize_with_checks([CHECKED])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def assert_same_params(first, second):
    assert first.keys() == second.keys()
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_flat_rows_and_images_give_the_same_model(string_digits):
    x_train, x_test, y_train, y_test = string_digits
    flat = MinidlConvClassifier(**SMALL).fit(x_train, y_train)
    images = MinidlConvClassifier(**SMALL).fit(x_train.reshape(-1, 1, 8, 8), y_train)
    one_channel = MinidlConvClassifier(input_shape=(8, 8), **SMALL).fit(x_train.reshape(-1, 8, 8), y_train)
    for model in (flat, images, one_channel):
        assert type(model.network_) is SimpleConvNet and model.input_shape_ == (1, 8, 8)
        assert model.n_features_in_ == 64 and model.network_.params["W1"].shape == (4, 1, 3, 3)
        assert_same_params(model.network_.state_dict(), flat.network_.state_dict())
    np.testing.assert_array_equal(flat.predict_proba(x_test), images.predict_proba(x_test.reshape(-1, 1, 8, 8)))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_input_shape_says_how_flat_rows_are_images(string_digits):
    x_train, _, y_train, _ = string_digits
    wide = MinidlConvClassifier(input_shape=(1, 4, 16), **SMALL).fit(x_train, y_train)
    assert wide.input_shape_ == (1, 4, 16) and wide.network_.params["W2"].shape == (4 * 2 * 8, 16)
    row = MinidlConvClassifier(**{**SMALL, "filter_size": 1}).fit(x_train[:, :10], y_train)
    assert row.input_shape_ == (1, 1, 10)  # 10 is no square: one row of 10 pixels


@pytest.mark.parametrize("settings, X, message", [
    ({"input_shape": (1, 8, 7)}, "flat", r"input_shape \(1, 8, 7\) holds 56 numbers, but the rows of X have 64"),
    ({"input_shape": (1, 4, 16)}, "images", r"X holds images of shape \(1, 8, 8\), but input_shape is \(1, 4, 16\)"),
    ({"input_shape": "8x8"}, "flat", r"input_shape must be \(channels, height, width\) or \(height, width\)"),
    ({"filter_size": 11}, "flat", r"a 11x11 convolution with pad 1 and stride 1 leaves 0x0 of a 8x8 image, too "
     r"little for 2x2 pooling; use a smaller filter_size or more pad"),
    ({"filter_size": 5, "pad": 0}, "not-square", r"the rows of X have 60 numbers, and 60 is not a square number, so "
     r"they are not square one-channel images; as a row of 1x60 pixels they leave too little for the 5x5 convolution "
     r"and the 2x2 pooling: pass input_shape=\(channels, height, width\), or X as images"),
    ({}, "5d", r"X has shape \(20, 1, 1, 8, 8\); pass images as \(n_samples, channels, height, width\)"),
])
def test_bad_shapes_are_refused_in_fit_with_the_fix(string_digits, settings, X, message):
    x_train, _, y_train, _ = string_digits
    data = {"flat": x_train[:20], "images": x_train[:20].reshape(-1, 1, 8, 8),
            "5d": x_train[:20].reshape(-1, 1, 1, 8, 8), "not-square": x_train[:20, :60]}[X]
    with pytest.raises(ValueError, match=message):
        MinidlConvClassifier(**{**SMALL, **settings}).fit(data, y_train[:20])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_predict_refuses_images_of_another_shape(string_digits):
    x_train, x_test, y_train, _ = string_digits
    model = MinidlConvClassifier(**SMALL).fit(x_train, y_train)
    with pytest.raises(ValueError, match=r"X holds images of shape \(1, 4, 16\), but MinidlConvClassifier was "
                                         r"fitted on \(1, 8, 8\)"):
        model.predict(x_test.reshape(-1, 1, 4, 16))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_pickled_model_predicts_the_same_and_resumes_bit_identically(string_digits):
    x_train, x_test, y_train, _ = string_digits
    model = MinidlConvClassifier(**SMALL).fit(x_train, y_train)
    copy = pickle.loads(pickle.dumps(model))
    assert type(copy.network_) is SimpleConvNet
    np.testing.assert_array_equal(copy.predict_proba(x_test), model.predict_proba(x_test))
    model.partial_fit(x_train, y_train)
    copy.partial_fit(x_train, y_train)
    assert_same_params(copy.network_.state_dict(), model.network_.state_dict())


def test_learns_the_digits_and_works_in_grid_search(string_digits):
    x_train, x_test, y_train, y_test = string_digits
    model = MinidlConvClassifier(filter_num=8, filter_size=3, pad=1, hidden_size=32, max_iter=10, batch_size=32,
                                 n_iter_no_change=20)
    with pytest.warns(Warning):  # ConvergenceWarning: 10 epochs, no early stop
        model.fit(x_train, y_train)
    assert model.score(x_test, y_test) > 0.95
    search = GridSearchCV(clone(CHECKED).set_params(max_iter=2), {"filter_num": [2, 4]}, cv=2)
    with pytest.warns(Warning):
        search.fit(x_train[:200], y_train[:200])
    assert search.best_params_["filter_num"] in (2, 4)


def test_the_mlps_own_parameters_are_not_the_convnets():
    conv, mlp = set(MinidlConvClassifier().get_params()), set(MinidlClassifier().get_params())
    assert {"input_shape", "filter_num", "filter_size", "pad", "stride", "hidden_size"} <= conv - mlp
    assert not conv & {"alpha", "activation", "dropout", "batchnorm", "hidden_layer_sizes"}
