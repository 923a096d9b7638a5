"""Optional packages: imported only by the feature that needs them, with a clear hint when missing.

minidl itself needs only numpy, scikit-learn and tqdm. The tools it hands
over to (onnx, Dask, PyTorch) are installed only by those who use them, as
"extras" (``pip install -e ".[onnx]"`` in minidl's folder); the code that needs one imports it
through :func:`import_optional`, at the moment it is used, so that the rest
of minidl works without it.
"""

from __future__ import annotations

import importlib
from importlib import metadata


def import_optional(module, extra, purpose):
    """Import and return ``module``, or say in one line which extra installs it.

    Parameters
    ----------
    module : str
        The module to import, e.g. ``"onnx"`` or ``"dask.distributed"``.
    extra : str or None
        The minidl extra that installs it (``"onnx"`` gives the hint
        ``pip install "onnx>=1.14" "onnxruntime>=1.16" (minidl's [onnx]
        extra)``). None for a package that is no extra of minidl (PyTorch):
        the hint installs it by name.
    purpose : str
        What needs it, for the message, e.g. ``"exporting to ONNX"``.

    Raises
    ------
    ModuleNotFoundError
        If ``module`` (or a package it needs) is not installed.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        package = module.partition(".")[0]
        # A package that is there but lacks one of its own dependencies: name that one too.
        missing = "" if error.name in (module, package) else f" (its dependency {error.name} is missing)"
        raise ModuleNotFoundError(f"{purpose} needs {package}, which is not installed{missing}; "
                                  f"{install_hint(extra, package)}", name=error.name) from error


#: Packages that are no extra of minidl and whose plain install is not the one to suggest.
_BY_NAME = {"torch": "pip install torch --index-url https://download.pytorch.org/whl/cpu (the CPU wheel; "
                     "a plain pip install torch pulls gigabytes of CUDA on Linux)"}


def install_hint(extra, package=None):
    """The pip command that installs minidl's extra ``extra``, e.g. ``pip install "onnx>=1.14" ...``.

    It names the packages themselves, read from minidl's installed metadata:
    ``pip install "minidl[onnx]"`` works only where minidl comes from a
    package index, and ``pip install -e ".[onnx]"`` only in its folder. With
    ``extra`` None (a package that is no extra of minidl), ``package`` by name
    (PyTorch: its CPU wheel).
    """
    if extra is None:
        return _BY_NAME.get(package, f"pip install {package}")
    try:
        requirements = metadata.requires("minidl") or []
    except metadata.PackageNotFoundError:  # minidl run from its folder, not installed
        requirements = []
    marker = f'extra == "{extra}"'
    wanted = [line.partition(";")[0].strip() for line in requirements if line.partition(";")[2].strip() == marker]
    if not wanted:
        return f'pip install -e ".[{extra}]" in minidl\'s folder'
    return "pip install " + " ".join(f'"{requirement}"' for requirement in wanted) + f" (minidl's [{extra}] extra)"
