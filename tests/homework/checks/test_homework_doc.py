"""docs/homework.md: every snippet runs and prints what the page says; its pytest file prints tables.

Each ```python block is run in turn, in one namespace, from a file named
``student.py`` (the name the page shows in a traceback location). A ```text
block right after it is what it must print. Numbers below 1e-4 are rounding
noise (a correct gradient's relative error, the gap between two float32
curves): the test checks that they stay below 1e-4, not their digits. Where
such an error is largest, and the two gradients there, depend on the last
bits of the BLAS (another CPU's kernel finds its largest noise elsewhere), so
they are masked with it.

The grader's pytest file of section 6 is run by pytest in a subprocess, on a
student's solution with one mistake and one unfinished exercise: a failing
check must print its table, not the checker's own source, and never an empty
message.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

from minidl.optim import registry

DOC = Path(__file__).resolve().parents[3] / "docs" / "homework.md"
GRADER_MARK = "# test_homework.py"
NOISE = re.compile(r"max relative error \d\.\de-(0[5-9]|[1-9]\d) at index \([\d, ]*\)( \(analytic [^()]*\))?"
                   r"|\d(\.\d+)?e-(0[5-9]|[1-9]\d)")

# What the grader's pytest file of section 6 imports, as the page says: section 1's Affine (its mean for sum),
# section 2's MyRMSprop (a right answer), both taken from the page, and this network whose backpropagation is a TODO.
TWO_LAYER_NET = '''\
class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size):
        rng = np.random.default_rng(0)
        self.params = {"W1": rng.standard_normal((input_size, hidden_size)), "b1": np.zeros(hidden_size),
                       "W2": rng.standard_normal((hidden_size, output_size)), "b2": np.zeros(output_size)}

    def predict(self, x):
        hidden = np.maximum(x @ self.params["W1"] + self.params["b1"], 0)
        return hidden @ self.params["W2"] + self.params["b2"]

    def loss(self, x, t):
        scores = self.predict(x)
        scores = scores - scores.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(scores).sum(axis=1)) - scores[np.arange(len(t)), t]))

    def gradient(self, x, t):
        raise NotImplementedError
'''


def blocks():
    """(language, source) of every fenced block of the page, in order."""
    return [(match[1], match[2]) for match in re.finditer(r"```(\w+)\n(.*?)```", DOC.read_text(), re.S)]


def page_class(page, name):
    """The source of ``class name`` (decorators and all) in the first python block of the page that defines it."""
    for language, source in page:
        lines = source.splitlines()
        starts = [index for index, line in enumerate(lines) if line.startswith(f"class {name}")]
        if language != "python" or not starts:
            continue
        start = end = starts[0]
        while start > 0 and lines[start - 1].startswith("@"):
            start -= 1
        while end + 1 < len(lines) and (not lines[end + 1].strip() or lines[end + 1][0].isspace()):
            end += 1
        return "\n".join(lines[start:end + 1]).rstrip() + "\n"
    raise AssertionError(f"the page defines no class {name}")


def student_solution(page):
    """student_solution.py: the page's Affine and MyRMSprop, and TWO_LAYER_NET."""
    parts = ["import numpy as np\nfrom minidl import optim\n", page_class(page, "Affine"), page_class(page, "MyRMSprop"),
             TWO_LAYER_NET]
    return "\n\n".join(parts)


def grader_and_excerpts(page):
    """The index of the grader's pytest file, and the text blocks after it: excerpts of what pytest prints."""
    (index,) = [index for index, (_, source) in enumerate(page) if source.startswith(GRADER_MARK)]
    excerpts = []
    for language, source in page[index + 1:]:
        if language != "text":
            break
        excerpts.append(source)
    return index, excerpts


def without_noise(text):
    return NOISE.sub("<below 1e-4>", text)


def test_every_snippet_prints_the_text_after_it(tmp_path, monkeypatch, capsys):
    # The page registers "my_rmsprop"; keep that out of the other tests' registry.
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    page, namespace, compared = blocks(), {"__name__": "homework_doc"}, 0
    grader, excerpts = grader_and_excerpts(page)
    for index, (language, source) in enumerate(page):
        following = page[index + 1] if index + 1 < len(page) else (None, "")
        if grader < index <= grader + len(excerpts):
            continue  # what pytest prints: checked by the next test
        if language == "text":
            assert page[index - 1][0] == "python", f"text block {index} does not follow a python block"
        if language != "python" or index == grader:
            continue
        path = tmp_path / f"block{index}" / "student.py"
        path.parent.mkdir()
        path.write_text(source)
        exec(compile(source, str(path), "exec"), namespace)  # noqa: S102 - the page's own code
        printed = capsys.readouterr().out
        if following[0] == "text":
            assert without_noise(printed) == without_noise(following[1]), f"block {index} prints otherwise"
            compared += 1
        else:
            assert printed == "", f"block {index} prints, but the page does not show what"
    assert compared == 7


def test_the_graders_pytest_file_prints_tables_not_the_checkers_source(tmp_path):
    page = blocks()
    index, excerpts = grader_and_excerpts(page)
    assert excerpts
    (tmp_path / "test_homework.py").write_text(page[index][1])
    (tmp_path / "student_solution.py").write_text(student_solution(page))
    # Without other plugins (hypothesis, benchmark): the output is the same, the start 3 s faster.
    environment = {**os.environ, "COLUMNS": "250", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "test_homework.py"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300, env=environment)
    output = result.stdout
    assert result.returncode == 1 and "2 failed, 1 passed" in output, output + result.stderr
    lines = [without_noise(line.rstrip()) for line in output.splitlines()]
    for expected in "\n".join(excerpts).splitlines():
        assert without_noise(expected) in lines, f"pytest did not print {expected!r}:\n{output}"
    # Not the checker's code: its frames are hidden (__tracebackhide__).
    for source in ("__tracebackhide__", "def check_layer", "def check_network", "report.add", "finish(report"):
        assert source not in output
    assert len(lines) < 60, output
    # The short summary repeats the first line of each error: never empty.
    summary = [line for line in lines if line.startswith("FAILED ")]
    assert summary == [
        "FAILED test_homework.py::test_affine - minidl.homework.checks.report.CheckFailed: "
        "check_layer(Affine) on input shape (4, 3): 1 problem found (gradient db)",
        "FAILED test_homework.py::test_network - minidl.homework.checks.report.CheckFailed: "
        "check_network(TwoLayerNet): 1 part not implemented yet (TODO) (gradient)",
    ]
