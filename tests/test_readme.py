"""The README tells the truth: its Python blocks run as shown, its test count is what pytest collects."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
# A fenced block, the prose after it, and the next fence's language: ```text there is the first block's output.
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```\n", re.S | re.M)
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def python_blocks():
    """Each ```python block of the README and the output shown under it (a ```text block after one
    line of prose such as "It prints:"), or None when none is shown."""
    blocks = [(match.group(1), match.group(2), match.start(), match.end()) for match in BLOCK.finditer(README)]
    found = []
    for index, (language, code, _, end) in enumerate(blocks):
        if language != "python":
            continue
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        between = README[end:following[2]].strip() if following else ""
        shown = following[1] if following and following[0] == "text" and "\n\n" not in between else None
        found.append((code, shown))
    return found


def same_up_to_rounding(printed, shown):
    """Equal text, and numbers within 2 % of the shown value (at least 0.02): the shown figures are those
    of one machine, and another BLAS may round a few sums differently."""
    if NUMBER.sub("#", printed) != NUMBER.sub("#", shown):
        return False
    pairs = zip(map(float, NUMBER.findall(printed)), map(float, NUMBER.findall(shown)))
    return all(abs(got - want) <= max(0.02, 0.02 * abs(want)) for got, want in pairs)


def test_the_readme_has_python_blocks_with_their_output():
    blocks = python_blocks()
    assert len(blocks) >= 2 and all(shown is not None for _, shown in blocks[:2])


@pytest.mark.parametrize("code, shown", python_blocks(),
                         ids=[f"block{number}" for number in range(1, len(python_blocks()) + 1)])
def test_each_python_block_runs_alone_in_a_fresh_interpreter_and_prints_what_is_shown(code, shown, tmp_path):
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    if shown is not None:
        assert same_up_to_rounding(result.stdout.strip(), shown.strip()), (result.stdout, shown)


def test_same_up_to_rounding_compares_text_exactly_and_numbers_loosely():
    assert same_up_to_rounding("test accuracy 97.8%", "test accuracy 98.1%")
    assert not same_up_to_rounding("test accuracy 90.0%", "test accuracy 98.1%")
    assert not same_up_to_rounding("train accuracy 98.1%", "test accuracy 98.1%")


def collected_test_count(request):
    """How many tests pytest collects from tests/: this session's own count when it collected them all."""
    config = request.config
    tests = Path(__file__).resolve().parent
    arguments = [(config.invocation_params.dir / argument.split("::")[0]).resolve() for argument in config.args]
    if arguments == [tests]:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        deselected = len(reporter.stats.get("deselected", [])) if reporter else 0  # by -k, -m, --deselect
        return len(request.session.items) + deselected
    # Run alone, or with some files: ask pytest (-q here and in addopts: one "file: count" line a file).
    listing = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                              str(tests)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    counts = re.findall(r"^\S+\.py: (\d+)$", listing.stdout, re.M)
    assert counts, listing.stdout + listing.stderr
    return sum(map(int, counts))


def test_the_readme_test_count_is_what_pytest_collects(request):
    """The README says "about N tests", N rounded down to the hundred: N <= collected < N + 200.

    The second hundred of slack lets the team add tests for a while; past
    it, this test asks for the README's figure to be raised.
    """
    stated = re.search(r"about ([\d,]+) tests", README)
    assert stated, "the README should say how many tests there are"
    stated = int(stated.group(1).replace(",", ""))
    collected = collected_test_count(request)
    assert stated % 100 == 0 and stated <= collected < stated + 200, (
        f"README says about {stated:,} tests, pytest collects {collected:,}: "
        f"write about {collected // 100 * 100:,} in README.md")
