"""MinidlClassifier: scikit-learn's own estimator checks, and the tools students use it with."""

import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from minidl import MLP
from minidl.sklearn import MinidlClassifier


@parametrize_with_checks([
    MinidlClassifier(hidden_sizes=(16,), epochs=20, batch_size=32, learning_rate=0.01),
    MinidlClassifier(hidden_sizes=(8, 8), dropout=0.2, batchnorm=True, epochs=20, batch_size=32,
                     learning_rate=0.01, dtype="float64"),
])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def digits():
    """Scaled 8x8 digits with *string* labels, as fetch_openml returns MNIST's."""
    x, y = load_digits(return_X_y=True)
    return train_test_split(x / 16.0, y.astype(str), test_size=0.25, random_state=0)


def params_of(model):
    return model.network_.state_dict()


def assert_same_params(first, second):
    assert first.keys() == second.keys()
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])


def test_learns_digits_with_string_labels(digits):
    x_train, x_test, y_train, y_test = digits
    model = MinidlClassifier(hidden_sizes=(64,), epochs=10, learning_rate=0.01).fit(x_train, y_train)
    assert model.classes_.tolist() == [str(digit) for digit in range(10)]
    assert model.n_features_in_ == 64 and model.n_iter_ == 10
    assert len(model.history_["train_loss"]) == 10
    predictions = model.predict(x_test)
    assert predictions.dtype == y_test.dtype and set(predictions) <= set(model.classes_)
    assert model.score(x_test, y_test) > 0.9
    probabilities = model.predict_proba(x_test)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(model.classes_[probabilities.argmax(axis=1)], predictions)


def test_object_arrays_of_strings_work_as_labels(digits):
    # fetch_openml(as_frame=False) gives MNIST's labels as an object array of str.
    x_train, x_test, y_train, _ = digits
    model = MinidlClassifier(hidden_sizes=(16,), epochs=2).fit(x_train, y_train.astype(object))
    assert model.classes_.tolist() == [str(digit) for digit in range(10)]
    assert set(model.predict(x_test)) <= set(model.classes_)


def test_the_network_is_the_one_minidl_builds(digits):
    x_train, _, y_train, _ = digits
    model = MinidlClassifier(hidden_sizes=(32, 16), activation="tanh", weight_init="xavier", epochs=1,
                             dtype="float64", seed=3).fit(x_train, y_train)
    expected = MLP(64, [32, 16], 10, activation="tanh", weight_init="xavier", dtype=np.float64, seed=3)
    assert model.network_.config == expected.config


def test_same_seed_gives_bit_identical_models_and_another_seed_does_not(digits):
    x_train, _, y_train, _ = digits
    settings = {"hidden_sizes": (16,), "epochs": 3, "dropout": 0.2}
    first = MinidlClassifier(seed=5, **settings).fit(x_train, y_train)
    second = MinidlClassifier(seed=5, **settings).fit(x_train, y_train)
    assert_same_params(params_of(first), params_of(second))
    other = MinidlClassifier(seed=6, **settings).fit(x_train, y_train)
    assert not np.array_equal(params_of(first)["W1"], params_of(other)["W1"])


def test_partial_fit_is_one_epoch_and_keeps_the_optimizer_state(digits):
    x_train, _, y_train, _ = digits
    classes = np.unique(y_train)
    stepwise = MinidlClassifier(hidden_sizes=(16,), seed=0)
    for _ in range(3):
        stepwise.partial_fit(x_train, y_train, classes=classes)
    assert stepwise.n_iter_ == 3
    # Three epochs in one fit: same batches, same Adam moments, same weights.
    at_once = MinidlClassifier(hidden_sizes=(16,), epochs=3, seed=0).fit(x_train, y_train)
    assert_same_params(params_of(stepwise), params_of(at_once))


def test_partial_fit_needs_classes_first_and_refuses_new_labels(digits):
    x_train, _, y_train, _ = digits
    model = MinidlClassifier(hidden_sizes=(8,))
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        model.partial_fit(x_train, y_train)
    model.partial_fit(x_train[:50], y_train[:50], classes=np.unique(y_train))
    with pytest.raises(ValueError, match=r"labels \['x'\] that are not among the classes"):
        model.partial_fit(x_train[:2], np.array(["1", "x"]))
    with pytest.raises(ValueError, match="differs from classes_"):
        model.partial_fit(x_train[:2], y_train[:2], classes=["0", "1"])


def test_fit_after_partial_fit_starts_afresh(digits):
    x_train, _, y_train, _ = digits
    model = MinidlClassifier(hidden_sizes=(8,), epochs=2)
    model.partial_fit(x_train, y_train, classes=np.unique(y_train)).fit(x_train, y_train)
    fresh = MinidlClassifier(hidden_sizes=(8,), epochs=2).fit(x_train, y_train)
    assert model.n_iter_ == 2
    assert_same_params(params_of(model), params_of(fresh))


def test_pickled_model_predicts_the_same_and_resumes_bit_identically(digits):
    x_train, x_test, y_train, _ = digits
    model = MinidlClassifier(hidden_sizes=(16,), epochs=2, optimizer="momentum").fit(x_train, y_train)
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.predict_proba(x_test), model.predict_proba(x_test))
    model.partial_fit(x_train, y_train)
    copy.partial_fit(x_train, y_train)
    assert_same_params(params_of(copy), params_of(model))
    # The restored network's layers hold its params arrays: training reached them.
    assert copy.network_.layers["Affine1"].W is copy.network_.params["W1"]


def test_works_in_pipeline_cross_val_score_and_grid_search(digits):
    x_train, _, y_train, _ = digits
    pipeline = make_pipeline(MinMaxScaler(), MinidlClassifier(hidden_sizes=(32,), epochs=5, learning_rate=0.01))
    scores = cross_val_score(pipeline, x_train, y_train, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8
    grid = GridSearchCV(pipeline, {"minidlclassifier__optimizer": ["sgd", "adam"]}, cv=2).fit(x_train, y_train)
    # SGD at lr=0.01 barely moves in 5 epochs; Adam at lr=0.01 learns.
    assert grid.best_params_ == {"minidlclassifier__optimizer": "adam"}
    assert grid.cv_results_["mean_test_score"].min() < grid.best_score_


def test_hyperparameters_reach_the_optimizer(digits):
    x_train, _, y_train, _ = digits
    model = MinidlClassifier(hidden_sizes=(8,), epochs=1, optimizer="rmsprop", learning_rate=0.003,
                             optimizer_params={"decay_rate": 0.9}).fit(x_train, y_train)
    assert model._trainer.optimizer.hyperparameters == {"lr": 0.003, "decay_rate": 0.9, "eps": 1e-7}


@pytest.mark.parametrize("settings, message", [
    ({"learning_rate": 0.1, "optimizer_params": {"lr": 0.2}}, "learning rate is given twice"),
    ({"optimizer": "rmsprob"}, "unknown optimizer 'rmsprob'"),
    ({"activation": "softplus"}, "unknown activation 'softplus'"),
    ({"epochs": 0}, "epochs must be a positive integer"),
    ({"dropout": 1.0}, "dropout ratio must be a finite number in \\[0.0, 1.0\\)"),
])
def test_bad_hyperparameters_fail_in_fit_with_a_clear_message(digits, settings, message):
    x_train, _, y_train, _ = digits
    model = MinidlClassifier(**settings)  # scikit-learn's rule: the constructor accepts anything
    with pytest.raises(ValueError, match=message):
        model.fit(x_train[:20], y_train[:20])


def test_an_optimizer_object_instead_of_a_name_is_refused(digits):
    x_train, _, y_train, _ = digits
    with pytest.raises(TypeError, match="optimizer must be a registered name such as 'adam'"):
        MinidlClassifier(optimizer=object()).fit(x_train[:20], y_train[:20])


def test_a_single_class_is_refused():
    with pytest.raises(ValueError, match="needs at least 2 classes to learn from, but y holds only one class"):
        MinidlClassifier().fit(np.ones((5, 2)), ["cat"] * 5)


def test_a_failed_refit_leaves_the_fitted_model_as_it_was(digits):
    x_train, x_test, y_train, _ = digits
    model = MinidlClassifier(hidden_sizes=(8,), epochs=1).fit(x_train, y_train)
    before = model.predict_proba(x_test)
    model.set_params(activation="softplus")
    with pytest.raises(ValueError, match="unknown activation"):
        model.fit(x_train[y_train < "5"], y_train[y_train < "5"])
    assert len(model.classes_) == 10
    np.testing.assert_array_equal(model.predict_proba(x_test), before)


def test_hidden_sizes_may_be_a_single_int(digits):
    x_train, _, y_train, _ = digits
    model = MinidlClassifier(hidden_sizes=12, epochs=1).fit(x_train, y_train)
    assert model.network_.hidden_sizes == [12]


def test_seed_none_is_seed_zero_as_the_docstring_says(digits):
    x_train, _, y_train, _ = digits
    unseeded = MinidlClassifier(hidden_sizes=(8,), epochs=2, dropout=0.2, seed=None).fit(x_train, y_train)
    seeded = MinidlClassifier(hidden_sizes=(8,), epochs=2, dropout=0.2, seed=0).fit(x_train, y_train)
    assert_same_params(params_of(unseeded), params_of(seeded))
    assert "None means seed 0" in " ".join(MinidlClassifier.__doc__.split())


def test_the_required_scikit_learn_has_what_this_module_imports():
    import re
    from pathlib import Path

    from sklearn.utils import validation

    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    minimum = re.search(r'"scikit-learn>=([\d.]+)"', pyproject).group(1)
    # minidl.sklearn imports validate_data, which appeared in scikit-learn 1.6.
    assert tuple(int(part) for part in minimum.split(".")) >= (1, 6)
    assert hasattr(validation, "validate_data")
