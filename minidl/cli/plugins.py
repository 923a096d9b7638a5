"""Load the user's own code before a command runs: ``minidl --plugin my_rmsprop.py ...``.

An optimizer decorated with ``@minidl.optim.register`` is known by name only
once the file defining it has run. In Python that is an ``import``; on the
command line ``--plugin`` does the import, so the name then works in
``minidl train --optimizer``, ``minidl experiment compare --optimizers`` and
``minidl optimizers``. A layer class decorated with ``@minidl.register_layer``
is the same: a saved network holding it loads (``minidl evaluate``,
``minidl train --resume``) only once its plugin has run.

A plugin is either a path to a ``.py`` file (the usual case for a student's
homework file) or the dotted name of an importable module.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path


def load_plugin(plugin):
    """Run the file or import the module named by ``plugin``; return the module."""
    path = Path(plugin)
    if plugin.endswith(".py") or path.is_file():
        if not path.is_file():
            raise ValueError(f"--plugin {plugin!r}: no such file; give the path of a .py file or a module name")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    try:
        return importlib.import_module(plugin)
    except ModuleNotFoundError as exc:
        raise ValueError(
            f"--plugin {plugin!r}: cannot import it ({exc}); give the path of a .py file "
            "(e.g. --plugin ./my_optimizer.py) or the name of an installed module"
        ) from exc
