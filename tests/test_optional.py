"""The install hint of a missing optional package names what pyproject.toml's extra installs."""

from pathlib import Path

import pytest
import tomllib

from minidl.optional import install_hint

EXTRAS = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"][
    "optional-dependencies"]


@pytest.mark.parametrize("extra", ["onnx", "distributed", "plot"])
def test_the_hint_installs_the_packages_of_the_extra(extra):
    # pip install "minidl[onnx]" needs minidl on a package index, which it is not: name the packages.
    quoted = " ".join(f'"{requirement}"' for requirement in EXTRAS[extra])
    assert install_hint(extra) == f"pip install {quoted} (minidl's [{extra}] extra)"


def test_a_package_that_is_no_extra_is_named_itself():
    assert install_hint(None, "tqdm") == "pip install tqdm"


def test_pytorch_is_its_cpu_wheel():
    assert install_hint(None, "torch").startswith("pip install torch --index-url https://download.pytorch.org/whl/cpu")
