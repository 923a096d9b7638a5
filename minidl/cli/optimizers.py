"""List the optimizers ``minidl train --optimizer NAME`` accepts, with their defaults.

The list is the optimizer registry (``minidl.optim.available()``): an
optimizer class decorated with ``@minidl.optim.register`` in an imported
module appears here too. Every hyperparameter shown can be set on the command
line with ``--optimizer-param NAME=VALUE`` (``--lr`` sets ``lr``).

examples:
  minidl optimizers
  minidl train --dataset digits --optimizer momentum --lr 0.05 --optimizer-param momentum=0.95
"""

from __future__ import annotations

import inspect

from minidl.cli.arguments import add_command


def add_parser(subparsers):
    return add_command(subparsers, "optimizers", __doc__, "list the optimizers and their default hyperparameters")


def describe(name, cls):
    """One line: name, default hyperparameters, and the first line of the class docstring."""
    defaults = ", ".join(
        f"{parameter.name}={parameter.default!r}" if parameter.default is not parameter.empty else parameter.name
        for parameter in list(inspect.signature(cls.__init__).parameters.values())[1:]
        if parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    )
    summary = (inspect.getdoc(cls) or "").partition("\n")[0]
    return f"{name:<10} {defaults}\n{'':<10} {summary}"


def run(args):
    from minidl import optim

    registry = optim.available()
    print(f"{len(registry)} optimizers (use --optimizer NAME, --lr and --optimizer-param NAME=VALUE):")
    for name, cls in registry.items():
        print(describe(name, cls))
    return 0
