"""Train on MNIST: 784-512-512-10 with dropout, Adam, 20 epochs, about 98.4 % test accuracy.

MNIST is downloaded from OpenML the first time (about 15 MB, internet needed)
and read from a local cache afterwards. Run it from anywhere:
``python examples/train_mnist.py``. A similar run from the command line is
``minidl train --dataset mnist``. It writes mnist.npz, mnist-history.csv and
mnist-checkpoint.npz in the current folder.

Stop it with Ctrl-C whenever you like: running the script again continues
from mnist-checkpoint.npz, bit for bit as if it had never stopped (delete
the file to start afresh). ``--dataset fashion-mnist`` or ``--dataset
idx:DIR`` (a folder of MNIST-format files) trains on other 28x28 images,
and ``--dataset digits`` on scikit-learn's 8x8 digits, offline. Each data
set has its own files, named after it: ``digits.npz``,
``digits-history.csv``, ``digits-checkpoint.npz``; ``idx-FOLDER...`` for
``idx:DIR``.
"""

import argparse
import sys
from pathlib import Path

from minidl.datasets import DatasetUnavailableError, load_dataset, train_val_split

import minidl

parser = argparse.ArgumentParser(description="Train a 784-512-512-10 network; Ctrl-C and run again to resume.")
parser.add_argument("--dataset", default="mnist", help="mnist, fashion-mnist, digits or idx:DIR (default: mnist)")
parser.add_argument("--epochs", type=int, default=20, help="total number of epochs (default: 20)")
args = parser.parse_args()

# One set of files a data set, so that a checkpoint is never resumed on other data.
name = args.dataset.strip().lower()
if name.startswith("idx:"):
    name = "idx-" + (Path(args.dataset.strip()[len("idx:"):]).expanduser().resolve().name or "data")
CHECKPOINT, HISTORY, MODEL = Path(f"{name}-checkpoint.npz"), f"{name}-history.csv", f"{name}.npz"

try:
    (x_train, t_train), (x_test, t_test) = load_dataset(args.dataset)
except (DatasetUnavailableError, ValueError, OSError) as error:
    sys.exit(f"{error}")

# 1/12 of MNIST's 60,000 training images is the book's 5,000 for validation.
(x_train, t_train), (x_val, t_val) = train_val_split(x_train, t_train, val_size=1 / 12, seed=0)
if CHECKPOINT.exists():
    trainer = minidl.Trainer.from_checkpoint(CHECKPOINT, epochs=args.epochs, checkpoint=CHECKPOINT)
    print(f"resumed from {CHECKPOINT} after epoch {trainer.epoch} of {trainer.epochs}", flush=True)
else:
    # As many inputs as the images have pixels (784 for 28x28, 64 for the 8x8 digits), a score a class.
    classes = int(max(t_train.max(), t_test.max())) + 1
    network = minidl.MLP(x_train.shape[1], [512, 512], classes, dropout=0.2, seed=0)
    trainer = minidl.Trainer(network, "adam", {"lr": 1e-3}, epochs=args.epochs, batch_size=128, seed=0,
                             checkpoint=CHECKPOINT)
try:
    history = trainer.fit(x_train, t_train, validation_data=(x_val, t_val))
except KeyboardInterrupt:
    kept = f"{CHECKPOINT} keeps the last epoch saved" if CHECKPOINT.exists() else "no epoch was saved yet"
    print(f"interrupted; {kept}: run this script again to go on", file=sys.stderr)
    sys.exit(130)
except ValueError as error:  # e.g. data that does not fit the network saved in the checkpoint
    sys.exit(f"{error}")
history.save(HISTORY)
minidl.save_model(trainer.network, MODEL, metadata={"dataset": args.dataset})
print(f"test accuracy {trainer.network.accuracy(x_test, t_test):.2%}; model saved to {MODEL}")
