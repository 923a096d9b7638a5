"""`minidl --plugin FILE.py`: an optimizer a user registers is usable by name on the command line."""

import textwrap

PLUGIN = textwrap.dedent('''
    import numpy as np
    from minidl.optim import Optimizer, register

    @register("halved_sgd")
    class HalvedSGD(Optimizer):
        """SGD at half the learning rate (a toy optimizer for the test)."""

        def update_one(self, param, grad, state, scratch):
            np.multiply(grad, 0.5 * self.lr, out=scratch[0])
            param -= scratch[0]
''')


def test_plugin_optimizer_is_listed_and_trains(run_minidl, tmp_path):
    (tmp_path / "halved.py").write_text(PLUGIN)
    listing = run_minidl("--plugin", "halved.py", "optimizers")
    assert listing.returncode == 0, listing.stderr
    assert "halved_sgd" in listing.stdout

    trained = run_minidl("--plugin", "halved.py", "train", "--dataset", "digits", "--optimizer", "halved_sgd",
                         "--lr", "0.1", "--epochs", "1", "--hidden", "16", "-q")
    assert trained.returncode == 0, trained.stderr
    assert "HalvedSGD(lr=0.1)" in trained.stdout


def test_without_the_plugin_the_name_is_unknown(run_minidl):
    result = run_minidl("train", "--dataset", "digits", "--optimizer", "halved_sgd", "--epochs", "1")
    assert result.returncode == 1
    assert "halved_sgd" in result.stderr and "Traceback" not in result.stderr


def test_missing_plugin_is_a_one_line_error(run_minidl):
    result = run_minidl("--plugin", "nowhere.py", "optimizers")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "minidl: error: --plugin 'nowhere.py': no such file; give the path of a .py file or a module name"
    )
