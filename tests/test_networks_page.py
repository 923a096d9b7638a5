"""docs/networks.md tells the truth: its Python blocks run, in order, and print what the page says."""

import contextlib
import io
import re
from pathlib import Path

PAGE = (Path(__file__).resolve().parent.parent / "docs" / "networks.md").read_text()


def test_the_python_blocks_of_the_page_run_and_print_what_it_says():
    blocks = re.findall(r"^```python\n(.*?)^```\n", PAGE, re.S | re.M)
    assert len(blocks) == 3
    namespace, printed = {"__name__": "networks_page"}, []
    for code in blocks:
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            exec(compile(code, "docs/networks.md", "exec"), namespace)
        printed.append(output.getvalue().splitlines())
    assert printed[0] == ["['Affine1', 'ReLU1', 'Affine2'] ['W1', 'b1', 'W2', 'b2']"]
    assert printed[1] == [
        "\"this network has no layer 'Relu1', so assigning one would add a layer after the last instead of replacing "
        "one; its layers are ['Affine1', 'Activation1', 'Affine2']: replace one of those, or build a new "
        "minidl.Sequential\""]
    assert printed[2][0] == "True"
    params, accuracy = printed[2][1].rsplit(" ", 1)
    assert params == "['W1', 'b1', 'a1', 'W2', 'b2']" and float(accuracy) > 0.93
