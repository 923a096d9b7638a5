"""Stop training, resume from the checkpoint, and land on exactly the same weights.

A checkpoint holds the network, the optimizer's state (Adam's moments), the
epoch, both random generators (batch order, dropout masks) and the history.
Resuming from it therefore continues bit for bit the run that was stopped.
Run it from anywhere: ``python examples/resume.py``.
"""

import tempfile
from pathlib import Path

import numpy as np
from minidl.datasets import load_digits

import minidl

(x_train, t_train), _ = load_digits()


def new_trainer(epochs, checkpoint=None):
    network = minidl.MLP(64, [64], 10, dropout=0.2, seed=0)
    return minidl.Trainer(network, "adam", epochs=epochs, batch_size=32, seed=0,
                          schedule="cosine", schedule_params={"total_epochs": 20},
                          checkpoint=checkpoint, verbose=0)


# The reference: 10 epochs in one go.
straight = new_trainer(epochs=10)
straight.fit(x_train, t_train)

with tempfile.TemporaryDirectory() as folder:
    checkpoint = Path(folder) / "run.npz"
    new_trainer(epochs=4, checkpoint=checkpoint).fit(x_train, t_train)  # "interrupted" after epoch 4
    resumed = minidl.Trainer.from_checkpoint(checkpoint, epochs=10, verbose=0)
print(f"resumed at epoch {resumed.epoch}")
resumed.fit(x_train, t_train)

identical = all(np.array_equal(straight.network.params[name], resumed.network.params[name])
                for name in straight.network.params)
print(f"10 epochs straight and 4 + 6 resumed give identical weights: {identical}")
