"""Optional packages: imported only by the feature that needs them, with a clear hint when missing.

minidl itself needs only numpy, scikit-learn and tqdm. The tools it hands
over to (onnx, Dask, PyTorch) are installed only by those who use them, as
"extras" (``pip install "minidl[onnx]"``); the code that needs one imports it
through :func:`import_optional`, at the moment it is used, so that the rest
of minidl works without it.
"""

from __future__ import annotations

import importlib


def import_optional(module, extra, purpose):
    """Import and return ``module``, or say in one line which extra installs it.

    Parameters
    ----------
    module : str
        The module to import, e.g. ``"onnx"`` or ``"dask.distributed"``.
    extra : str or None
        The minidl extra that installs it (``"onnx"`` gives the hint
        ``pip install "minidl[onnx]"``). None for a package that is no extra
        of minidl (PyTorch): the hint installs it by name.
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
        install = f'pip install "minidl[{extra}]"' if extra else f"pip install {package}"
        raise ModuleNotFoundError(f"{purpose} needs {package}, which is not installed{missing}; {install}",
                                  name=error.name) from error
