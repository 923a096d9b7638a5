"""List the optimizers ``minidl train --optimizer NAME`` accepts, with their defaults.

The list is the optimizer registry (``minidl.optim.available()``): an
optimizer class decorated with ``@minidl.optim.register`` in an imported
module appears here too. Every hyperparameter shown can be set on the command
line with ``--optimizer-param NAME=VALUE`` (``--lr`` sets ``lr``).

With a NAME, shows that optimizer alone: its defaults, what each
hyperparameter means, its update rule (for a built-in, the plain numpy of
minidl.optim.reference; else the Notes of its docstring) and its notes.

examples:
  minidl optimizers
  minidl optimizers adam
  minidl train --dataset digits --optimizer momentum --lr 0.05 --optimizer-param momentum=0.95
"""

from __future__ import annotations

import inspect
import re

from minidl import optim
from minidl.cli.arguments import add_command
from minidl.optim import reference


def add_parser(subparsers):
    parser = add_command(subparsers, "optimizers", __doc__, "list the optimizers and their default hyperparameters")
    parser.add_argument("name", nargs="?", default=None, metavar="NAME",
                        help="show this optimizer's update rule and the meaning of its hyperparameters")
    return parser


def defaults(cls):
    """``"lr=0.001, beta1=0.9, ..."``: the constructor's arguments and their defaults."""
    return ", ".join(
        f"{parameter.name}={parameter.default!r}" if parameter.default is not parameter.empty else parameter.name
        for parameter in list(inspect.signature(cls.__init__).parameters.values())[1:]
        if parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    )


def describe(name, cls):
    """One line: name, default hyperparameters, and the first line of the class docstring."""
    summary = (inspect.getdoc(cls) or "").partition("\n")[0]
    return f"{name:<10} {defaults(cls)}\n{'':<10} {summary}"


def docstring_sections(text):
    """Split a numpy-style docstring into ``{"": summary, "Parameters": ..., "Notes": ...}``.

    A section starts with its title on one line and a row of dashes under it.
    """
    sections, title, lines = {}, "", []
    rows = text.splitlines()
    for index, row in enumerate(rows):
        underlined = index + 1 < len(rows) and re.fullmatch(r"-{3,}", rows[index + 1].strip())
        if underlined and row.strip():
            sections[title] = "\n".join(lines).strip()
            title, lines = row.strip(), []
        elif not re.fullmatch(r"-{3,}", row.strip()):
            lines.append(row)
    sections[title] = "\n".join(lines).strip()
    return sections


def explain(name, cls):
    """The page of one optimizer: summary, defaults, hyperparameters and update rule."""
    sections = docstring_sections(inspect.getdoc(cls) or "")
    lines = [f"{name} ({cls.__module__}.{cls.__qualname__})", "", sections.get("") or "(no docstring)", "",
             f"defaults: {defaults(cls)}",
             f"set with: --optimizer {name} --lr VALUE --optimizer-param NAME=VALUE"]
    if sections.get("Parameters"):
        lines += ["", "hyperparameters:", *_indented(_plain(sections["Parameters"]))]
    if name in reference.RULES and cls.__module__.startswith("minidl.optim."):
        # A built-in: its rule in plain numpy reads better in a terminal than the docstring's LaTeX.
        lines += ["", f"update rule (minidl.optim.reference.{name}):", *_indented(reference.source(name).rstrip())]
        if sections.get("Notes"):
            lines += ["", "notes:", *_indented(_plain(sections["Notes"]))]
        return "\n".join(lines)
    if sections.get("Notes"):
        lines += ["", "update rule:", *_indented(sections["Notes"])]
    else:
        lines += ["", "update rule: its docstring has no Notes section; read update_one in "
                      f"{inspect.getsourcefile(cls) or cls.__module__}"]
    return "\n".join(lines)


def _indented(text):
    return ["  " + row if row else "" for row in text.splitlines()]


#: LaTeX in the Notes' inline maths, as a terminal shows it.
_LATEX = {r"\sqrt": "√", r"\beta": "β", r"\eta": "η", r"\epsilon": "ε", r"\rho": "ρ", r"\mu": "μ",
          r"\gamma": "γ", r"\lambda": "λ", r"\nabla": "∇", r"\odot": "⊙", r"\leftarrow": "←", r"\dots": "...",
          r"\cdot": "·", r"\hat": "^", r"\,": " ", r"\ ": " ", r"\qquad": "   "}


def _symbols(latex):
    """``\\sqrt{1 - \\beta_2^t}`` -> ``√(1 - β_2^t)``: enough LaTeX for the Notes' inline maths."""
    for command, symbol in _LATEX.items():
        whole_word = r"(?![A-Za-z])" if command[-1].isalpha() else ""  # \eta, not the start of \etaX
        latex = re.sub(re.escape(command) + whole_word, symbol, latex)
    return latex.replace("{", "(").replace("}", ")")


def _plain(text):
    """Notes for a terminal: without the ``.. math::`` blocks (the rule above says it) and reST markup."""
    kept, in_math = [], False
    for row in text.splitlines():
        if row.strip().startswith(".. math::"):
            in_math = True
            kept.append("[equations: see the update rule above]")
            continue
        if in_math and (not row.strip() or row.startswith((" ", "\t"))):
            continue  # the block's indented lines and the blank lines around them
        if in_math:
            kept.append("")
        in_math = False
        kept.append(row)
    plain = "\n".join(kept)
    plain = re.sub(r":math:`([^`]*)`", lambda found: _symbols(found.group(1)), plain)
    plain = re.sub(r":(?:class|func|meth|mod|attr):`~?([^`]*)`", r"\1", plain)  # :class:`Adam` -> Adam
    # ``code`` and *emphasis* (not the * of a product: "a * b * c" keeps its stars).
    return re.sub(r"``([^`]*)``|(?<![\w*])\*(\S[^*]*?\S)\*(?![\w*])", lambda found: found.group(1) or found.group(2),
                  plain)


def run(args):
    registry = optim.available()
    if args.name is not None:
        cls = registry.get(args.name.lower())
        if cls is None:
            raise ValueError(f"unknown optimizer {args.name!r}; known optimizers: {', '.join(registry)}")
        print(explain(args.name.lower(), cls))
        return 0
    print(f"{len(registry)} optimizers (use --optimizer NAME, --lr and --optimizer-param NAME=VALUE;\n"
          "'minidl optimizers NAME' shows one's update rule):")
    for name, cls in registry.items():
        print(describe(name, cls))
    return 0
