"""``import minidl`` alone gives every submodule the README writes as ``minidl.NAME``."""

import subprocess
import sys

import pytest

import minidl


@pytest.mark.parametrize("name", minidl.LAZY_SUBMODULES)
def test_a_lazy_submodule_loads_on_first_use_only(name):
    code = (f"import sys, minidl; assert 'minidl.{name}' not in sys.modules; "
            f"module = minidl.{name}; assert module is sys.modules['minidl.{name}']; "
            f"assert '{name}' in dir(minidl)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_an_unknown_name_is_still_an_attribute_error():
    with pytest.raises(AttributeError, match="module 'minidl' has no attribute 'exprot'"):
        minidl.exprot  # noqa: B018  (the attribute access is the test)
