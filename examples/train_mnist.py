"""Train on MNIST: 784-512-512-10 with dropout, Adam, 20 epochs, about 98.4 % test accuracy.

MNIST is downloaded from OpenML the first time (about 15 MB, internet needed)
and read from a local cache afterwards. Run it from anywhere:
``python examples/train_mnist.py``. A similar run from the command line is
``minidl train --dataset mnist``. It writes mnist.npz, mnist-history.csv and
mnist-checkpoint.npz in the current folder.
"""

import sys

import minidl
from minidl.datasets import DatasetUnavailableError, load_mnist, train_val_split

try:
    (x_train, t_train), (x_test, t_test) = load_mnist()
except DatasetUnavailableError as error:
    sys.exit(f"{error}")

(x_train, t_train), (x_val, t_val) = train_val_split(x_train, t_train, val_size=5000, seed=0)
network = minidl.MLP(784, [512, 512], 10, dropout=0.2, seed=0)
trainer = minidl.Trainer(network, "adam", {"lr": 1e-3}, epochs=20, batch_size=128, seed=0,
                         checkpoint="mnist-checkpoint.npz")  # Ctrl-C, then examples/resume.py shows how to go on
history = trainer.fit(x_train, t_train, validation_data=(x_val, t_val))
history.save("mnist-history.csv")
minidl.save_model(network, "mnist.npz")
print(f"test accuracy {network.accuracy(x_test, t_test):.2%}; model saved to mnist.npz")
