"""scikit-learn is imported when a loader needs it, not by ``import minidl.datasets``.

It takes about a second and 85 MB to import; ``minidl.fit`` on a user's own
arrays (which uses ``minidl.datasets.MiniBatches``) should not pay for it.
"""

import subprocess
import sys


def modules_after(code):
    script = f"import sys\n{code}\nprint(' '.join(sorted(name.split('.')[0] for name in sys.modules)))"
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(completed.stdout.split())


def test_importing_minidl_and_training_on_own_data_does_not_import_sklearn():
    code = ("import numpy as np, minidl, minidl.datasets\n"
            "x, t = np.random.default_rng(0).random((40, 4)), np.arange(40) % 2\n"
            "minidl.fit(minidl.MLP(4, [3], 2), x, t, epochs=1, verbose=0)")
    assert "sklearn" not in modules_after(code)


def test_loading_digits_imports_it():
    assert "sklearn" in modules_after("import minidl.datasets\nminidl.datasets.load_digits()")
