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


LAYER_PLUGIN = textwrap.dedent('''
    import numpy as np
    import minidl

    @minidl.register_layer
    class PluginSwish:
        """x * sigmoid(x), a layer of the user's own (a toy for the test)."""

        def forward(self, x, train=True):
            self.x, self.s = x, 1.0 / (1.0 + np.exp(-x))
            return x * self.s

        def backward(self, dout):
            return dout * (self.s + self.x * self.s * (1.0 - self.s))
''')


def test_plugin_layer_lets_a_saved_network_load(run_minidl, tmp_path):
    import minidl
    from minidl.cli.plugins import load_plugin

    (tmp_path / "swish_plugin.py").write_text(LAYER_PLUGIN)
    plugin = load_plugin(str(tmp_path / "swish_plugin.py"))
    net = minidl.MLP(64, [16], 10, seed=0)
    net.layers["Activation1"] = plugin.PluginSwish()
    minidl.save_model(net, tmp_path / "own.npz")

    refused = run_minidl("evaluate", "own.npz", "--dataset", "digits")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "'PluginSwish' is not registered" in refused.stderr
    assert "minidl --plugin FILE.py" in refused.stderr

    loaded = run_minidl("--plugin", "swish_plugin.py", "evaluate", "own.npz", "--dataset", "digits")
    assert loaded.returncode == 0, loaded.stderr
    assert "accuracy" in loaded.stdout
