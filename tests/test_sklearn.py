"""MinidlClassifier: scikit-learn's own estimator checks, and the tools students use it with."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from minidl import MLP
from minidl.sklearn import MinidlClassifier

# Many tests train for a few epochs on purpose; the warning that max_iter stopped them
# is tested on its own below (pytest.warns still sees it).
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@parametrize_with_checks([
    MinidlClassifier(hidden_layer_sizes=(16,), max_iter=20, batch_size=32, learning_rate_init=0.01),
    MinidlClassifier(hidden_layer_sizes=(8, 8), dropout=0.2, batchnorm=True, max_iter=20, batch_size=32,
                     learning_rate_init=0.01, dtype="float64"),
])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def params_of(model):
    return model.network_.state_dict()


def assert_same_params(first, second):
    assert first.keys() == second.keys()
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])


def test_learns_digits_with_string_labels(string_digits):
    x_train, x_test, y_train, y_test = string_digits
    model = MinidlClassifier(hidden_layer_sizes=(64,), max_iter=10, learning_rate_init=0.01).fit(x_train, y_train)
    assert model.classes_.tolist() == [str(digit) for digit in range(10)]
    assert model.n_features_in_ == 64 and model.n_iter_ == 10
    assert len(model.history_["train_loss"]) == 10
    predictions = model.predict(x_test)
    assert predictions.dtype == y_test.dtype and set(predictions) <= set(model.classes_)
    assert model.score(x_test, y_test) > 0.9
    probabilities = model.predict_proba(x_test)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(model.classes_[probabilities.argmax(axis=1)], predictions)


def test_object_arrays_of_strings_work_as_labels(string_digits):
    # fetch_openml(as_frame=False) gives MNIST's labels as an object array of str.
    x_train, x_test, y_train, _ = string_digits
    model = MinidlClassifier(hidden_layer_sizes=(16,), max_iter=2).fit(x_train, y_train.astype(object))
    assert model.classes_.tolist() == [str(digit) for digit in range(10)]
    assert set(model.predict(x_test)) <= set(model.classes_)


def test_the_network_is_the_one_minidl_builds(string_digits):
    x_train, _, y_train, _ = string_digits
    model = MinidlClassifier(hidden_layer_sizes=(32, 16), activation="tanh", weight_init="xavier", max_iter=1,
                             alpha=0.0, dtype="float64", random_state=3).fit(x_train, y_train)
    expected = MLP(64, [32, 16], 10, activation="tanh", weight_init="xavier", dtype=np.float64, seed=3)
    assert model.network_.config == expected.config


def test_same_seed_gives_bit_identical_models_and_another_seed_does_not(string_digits):
    x_train, _, y_train, _ = string_digits
    settings = {"hidden_layer_sizes": (16,), "max_iter": 3, "dropout": 0.2}
    first = MinidlClassifier(random_state=5, **settings).fit(x_train, y_train)
    second = MinidlClassifier(random_state=5, **settings).fit(x_train, y_train)
    assert_same_params(params_of(first), params_of(second))
    other = MinidlClassifier(random_state=6, **settings).fit(x_train, y_train)
    assert not np.array_equal(params_of(first)["W1"], params_of(other)["W1"])


def test_partial_fit_is_one_epoch_and_keeps_the_optimizer_state(string_digits):
    x_train, _, y_train, _ = string_digits
    classes = np.unique(y_train)
    stepwise = MinidlClassifier(hidden_layer_sizes=(16,), random_state=0)
    for _ in range(3):
        stepwise.partial_fit(x_train, y_train, classes=classes)
    assert stepwise.n_iter_ == 3
    # Three epochs in one fit: same batches, same Adam moments, same weights.
    at_once = MinidlClassifier(hidden_layer_sizes=(16,), max_iter=3, random_state=0).fit(x_train, y_train)
    assert_same_params(params_of(stepwise), params_of(at_once))


def test_partial_fit_needs_classes_first_and_refuses_new_labels(string_digits):
    x_train, _, y_train, _ = string_digits
    model = MinidlClassifier(hidden_layer_sizes=(8,))
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        model.partial_fit(x_train, y_train)
    model.partial_fit(x_train[:50], y_train[:50], classes=np.unique(y_train))
    with pytest.raises(ValueError, match=r"labels \['x'\] that are not among the classes"):
        model.partial_fit(x_train[:2], np.array(["1", "x"]))
    with pytest.raises(ValueError, match="differs from classes_"):
        model.partial_fit(x_train[:2], y_train[:2], classes=["0", "1"])


def test_fit_after_partial_fit_starts_afresh(string_digits):
    x_train, _, y_train, _ = string_digits
    model = MinidlClassifier(hidden_layer_sizes=(8,), max_iter=2)
    model.partial_fit(x_train, y_train, classes=np.unique(y_train)).fit(x_train, y_train)
    fresh = MinidlClassifier(hidden_layer_sizes=(8,), max_iter=2).fit(x_train, y_train)
    assert model.n_iter_ == 2
    assert_same_params(params_of(model), params_of(fresh))


def test_pickled_model_predicts_the_same_and_resumes_bit_identically(string_digits):
    x_train, x_test, y_train, _ = string_digits
    model = MinidlClassifier(hidden_layer_sizes=(16,), max_iter=2, solver="momentum").fit(x_train, y_train)
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.predict_proba(x_test), model.predict_proba(x_test))
    model.partial_fit(x_train, y_train)
    copy.partial_fit(x_train, y_train)
    assert_same_params(params_of(copy), params_of(model))
    # The restored network's layers hold its params arrays: training reached them.
    assert copy.network_.layers["Affine1"].W is copy.network_.params["W1"]


def test_works_in_pipeline_cross_val_score_and_grid_search(string_digits):
    x_train, _, y_train, _ = string_digits
    pipeline = make_pipeline(MinMaxScaler(), MinidlClassifier(hidden_layer_sizes=(32,), max_iter=5, learning_rate_init=0.01,
                                                              momentum=0))
    scores = cross_val_score(pipeline, x_train, y_train, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8
    grid = GridSearchCV(pipeline, {"minidlclassifier__solver": ["sgd", "adam"]}, cv=2).fit(x_train, y_train)
    # Plain SGD (momentum=0) at lr=0.01 barely moves in 5 epochs; Adam at lr=0.01 learns.
    assert grid.best_params_ == {"minidlclassifier__solver": "adam"}
    assert grid.cv_results_["mean_test_score"].min() < grid.best_score_


def test_hyperparameters_reach_the_optimizer(string_digits):
    x_train, _, y_train, _ = string_digits
    model = MinidlClassifier(hidden_layer_sizes=(8,), max_iter=1, solver="rmsprop", learning_rate_init=0.003,
                             optimizer_params={"decay_rate": 0.9}).fit(x_train, y_train)
    assert model._trainer.optimizer.hyperparameters == {"lr": 0.003, "decay_rate": 0.9, "eps": 1e-7}


@pytest.mark.parametrize("settings, message", [
    ({"learning_rate_init": 0.1, "optimizer_params": {"lr": 0.2}}, "learning rate is given twice"),
    ({"solver": "rmsprob"}, "unknown optimizer 'rmsprob'"),
    ({"activation": "softplus"}, "unknown activation 'softplus'"),
    ({"max_iter": 0}, "max_iter must be a whole number >= 1"),
    ({"dropout": 1.0}, "dropout ratio must be a finite number in \\[0.0, 1.0\\)"),
    ({"solver": "lbfgs"}, "solver='lbfgs' is not available"),
    ({"learning_rate": "adaptive"}, "learning_rate='adaptive' is not available"),
    ({"batch_size": "atuo"}, "batch_size must be 'auto' or a whole number >= 1; got 'atuo'"),
    ({"random_state": np.random.RandomState(0)}, "random_state must be None or a whole number"),
    ({"n_iter_no_change": 0}, "n_iter_no_change must be a whole number >= 1"),
    ({"early_stopping": True, "validation_fraction": 1.0}, "validation_fraction must be a finite number in \\(0.0, 1.0\\)"),
    ({"solver": "sgd", "optimizer_params": {"momentum": 0.5}}, "set the momentum with momentum="),
    ({"hidden_sizes": (8,), "hidden_layer_sizes": (16,)}, "hidden_sizes=\\(8,\\) and hidden_layer_sizes=\\(16,\\) are both"),
])
def test_bad_hyperparameters_fail_in_fit_with_a_clear_message(string_digits, settings, message):
    x_train, _, y_train, _ = string_digits
    model = MinidlClassifier(**settings)  # scikit-learn's rule: the constructor accepts anything
    with pytest.raises(ValueError, match=message):
        model.fit(x_train[:20], y_train[:20])


def test_an_optimizer_object_instead_of_a_name_is_refused(string_digits):
    x_train, _, y_train, _ = string_digits
    with pytest.raises(TypeError, match="solver must be a registered name such as 'adam'"):
        MinidlClassifier(solver=object()).fit(x_train[:20], y_train[:20])


def test_a_single_class_is_refused():
    with pytest.raises(ValueError, match="needs at least 2 classes to learn from, but y holds only one class"):
        MinidlClassifier().fit(np.ones((5, 2)), ["cat"] * 5)


def test_a_failed_refit_leaves_the_fitted_model_as_it_was(string_digits):
    x_train, x_test, y_train, _ = string_digits
    model = MinidlClassifier(hidden_layer_sizes=(8,), max_iter=1).fit(x_train, y_train)
    before = model.predict_proba(x_test)
    model.set_params(activation="softplus")
    with pytest.raises(ValueError, match="unknown activation"):
        model.fit(x_train[y_train < "5"], y_train[y_train < "5"])
    assert len(model.classes_) == 10
    np.testing.assert_array_equal(model.predict_proba(x_test), before)


def test_hidden_layer_sizes_may_be_a_single_int(string_digits):
    x_train, _, y_train, _ = string_digits
    model = MinidlClassifier(hidden_layer_sizes=12, max_iter=1).fit(x_train, y_train)
    assert model.network_.hidden_sizes == [12]


def test_random_state_none_is_seed_zero_as_the_docstring_says(string_digits):
    x_train, _, y_train, _ = string_digits
    unseeded = MinidlClassifier(hidden_layer_sizes=(8,), max_iter=2, dropout=0.2).fit(x_train, y_train)
    seeded = MinidlClassifier(hidden_layer_sizes=(8,), max_iter=2, dropout=0.2, random_state=0).fit(x_train, y_train)
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


def test_defaults_learn_iris_as_well_as_mlpclassifier():
    # Unscaled iris, the same 5 stratified folds for both: scikit-learn's
    # MLPClassifier gets 0.97 with its defaults; minidl's defaults must come close.
    x, y = load_iris(return_X_y=True)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLPClassifier's ConvergenceWarning
        reference = cross_val_score(MLPClassifier(random_state=0), x, y, cv=folds).mean()
    score = cross_val_score(MinidlClassifier(random_state=0), x, y, cv=folds).mean()
    assert score >= 0.9 and score >= reference - 0.05, (score, reference)


def test_the_parameters_carry_mlpclassifiers_names_and_defaults():
    ours, theirs = MinidlClassifier().get_params(), MLPClassifier().get_params()
    shared = ["hidden_layer_sizes", "activation", "solver", "alpha", "batch_size", "learning_rate", "max_iter",
              "tol", "momentum", "nesterovs_momentum", "early_stopping", "validation_fraction", "n_iter_no_change",
              "random_state"]
    assert {name: ours[name] for name in shared} == {name: theirs[name] for name in shared}


@pytest.mark.parametrize("momentum, nesterov, expected", [
    (0.9, True, ("Nesterov", 0.9)), (0.8, False, ("Momentum", 0.8)), (0.0, True, ("SGD", None)),
])
def test_solver_sgd_means_sgd_with_momentum_as_in_mlpclassifier(string_digits, momentum, nesterov, expected):
    x_train, _, y_train, _ = string_digits
    model = MinidlClassifier(hidden_layer_sizes=(8,), max_iter=1, solver="sgd", momentum=momentum,
                             nesterovs_momentum=nesterov, learning_rate_init=0.001).fit(x_train, y_train)
    optimizer = model._trainer.optimizer
    assert (type(optimizer).__name__, optimizer.hyperparameters.get("momentum")) == expected
    assert optimizer.lr == 0.001


def test_alpha_is_divided_by_the_batch_size_as_in_mlpclassifier(string_digits):
    x_train, _, y_train, _ = string_digits
    model = MinidlClassifier(hidden_layer_sizes=(8,), max_iter=1, alpha=0.5, batch_size=50).fit(x_train, y_train)
    assert model.network_.weight_decay == 0.01
    auto = MinidlClassifier(hidden_layer_sizes=(8,), max_iter=1, alpha=0.5).fit(x_train[:150], y_train[:150])
    assert auto._trainer.batch_size == 150 and auto.network_.weight_decay == 0.5 / 150


def test_training_stops_when_the_loss_stops_falling_by_tol(string_digits):
    x_train, _, y_train, _ = string_digits
    model = MinidlClassifier(hidden_layer_sizes=(8,), tol=100.0, n_iter_no_change=2).fit(x_train, y_train)
    # Epoch 1 improves on nothing; epochs 2, 3 and 4 do not fall by 100: more than 2 in a row.
    assert model.n_iter_ == 4 and len(model.loss_curve_) == 4 and model.validation_scores_ is None


def test_early_stopping_holds_out_a_stratified_split_and_keeps_the_best_epoch(string_digits):
    x_train, _, y_train, _ = string_digits
    model = MinidlClassifier(hidden_layer_sizes=(8,), early_stopping=True, validation_fraction=0.2,
                             n_iter_no_change=3, max_iter=200, learning_rate_init=0.05, random_state=1)
    model.fit(x_train, y_train)
    assert model.n_iter_ < 200 and len(model.validation_scores_) == model.n_iter_
    _, x_val, _, y_val = train_test_split(x_train, y_train, test_size=0.2, random_state=1, stratify=y_train)
    assert model.score(x_val, y_val) == max(model.validation_scores_)


@pytest.mark.parametrize("old, new", [
    ({"hidden_sizes": (8,)}, {"hidden_layer_sizes": (8,)}),
    ({"epochs": 2}, {"max_iter": 2}),
    ({"seed": 3}, {"random_state": 3}),
    ({"learning_rate": 0.003}, {"learning_rate_init": 0.003}),
    ({"optimizer": "rmsprop"}, {"solver": "rmsprop"}),
    ({"optimizer": "sgd"}, {"solver": "sgd", "momentum": 0.0}),
    ({"weight_decay": 0.001}, {"alpha": 0.001 * 200}),
])
def test_minidl_0_1_names_still_work_with_a_future_warning_naming_the_new_one(string_digits, old, new):
    x_train, _, y_train, _ = string_digits
    settings = {"hidden_layer_sizes": (8,), "max_iter": 2}
    unchanged = {name: value for name, value in settings.items() if name not in new}
    with pytest.warns(FutureWarning, match=f"{next(iter(old))} is deprecated.*use {next(iter(new))}="):
        before = MinidlClassifier(**unchanged, **old).fit(x_train[:200], y_train[:200])
    after = MinidlClassifier(**{**settings, **new}).fit(x_train[:200], y_train[:200])
    assert before.network_.weight_decay == pytest.approx(after.network_.weight_decay, rel=1e-12)
    assert type(before._trainer.optimizer) is type(after._trainer.optimizer)
    if "weight_decay" not in old:  # lambda * 200 / 200 may differ from lambda in the last bit
        assert_same_params(params_of(before), params_of(after))


def test_max_iter_without_convergence_warns_as_mlp_classifier_does(string_digits):
    from sklearn.exceptions import ConvergenceWarning

    x_train, _, y_train, _ = string_digits
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\) reached"):
        MinidlClassifier(max_iter=3, random_state=0).fit(x_train[:200], y_train[:200])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        # tol=10: no epoch improves the loss by 10, so it stops after n_iter_no_change epochs, before max_iter.
        model = MinidlClassifier(max_iter=50, tol=10.0, n_iter_no_change=2, random_state=0)
        model.fit(x_train[:200], y_train[:200])
    assert model.n_iter_ < 50


def test_early_stopping_reports_the_best_validation_score(string_digits):
    x_train, _, y_train, _ = string_digits
    model = MinidlClassifier(max_iter=30, early_stopping=True, n_iter_no_change=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(x_train[:300], y_train[:300])
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert MinidlClassifier(max_iter=2).fit(x_train[:100], y_train[:100]).best_validation_score_ is None


def test_a_subclass_with_parameters_of_its_own_keeps_them_all():
    from sklearn.base import clone

    class Widened(MinidlClassifier):
        def __init__(self, hidden_layer_sizes=(50,), extra=1):
            super().__init__(hidden_layer_sizes=hidden_layer_sizes)
            self.extra = extra

    estimator = Widened(extra=3)
    assert estimator.get_params()["extra"] == 3 and estimator.hidden_layer_sizes == (50,)
    assert clone(estimator).get_params() == estimator.get_params()
