"""``minidl.testing``, the old name of :mod:`minidl.homework.checks`, still gives the public names."""

import importlib

import minidl
import minidl.homework.checks as checks
import minidl.testing as testing

PUBLIC = ["CheckFailed", "CheckReport", "Row", "check_layer", "check_network", "check_optimizer"]


def test_the_alias_exposes_every_public_name_of_the_checks():
    assert sorted(testing.__all__) == sorted(checks.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(testing, name) is getattr(checks, name), name


def test_the_alias_holds_no_code_of_its_own():
    own = [name for name, value in vars(testing).items()
           if not name.startswith("_") and getattr(value, "__module__", "").startswith("minidl.testing")]
    assert own == []
    assert [name for name in vars(testing) if not name.startswith("_")] == PUBLIC


def test_the_docs_import_still_works():
    namespace = {}
    exec("from minidl.testing import check_layer, check_optimizer, check_network", namespace)  # noqa: S102
    assert namespace["check_layer"] is checks.check_layer
    assert importlib.import_module("minidl.testing") is minidl.testing
