"""Train a network on the 8x8 digits bundled with scikit-learn (offline, a few seconds).

Run it from anywhere: ``python examples/train_digits.py``. Expect 97 to 98 %
test accuracy (``minidl train --dataset digits``, which trains on all the
training data without a validation split, reaches about 98 %).
"""

from minidl.datasets import load_digits, train_val_split

import minidl

(x_train, t_train), (x_test, t_test) = load_digits()
# Choices (epochs, learning rate, ...) are judged on validation data, never on the test set.
(x_train, t_train), (x_val, t_val) = train_val_split(x_train, t_train, val_size=0.1, seed=0)

network = minidl.MLP(input_size=64, hidden_sizes=[256], output_size=10, seed=0)
history = minidl.fit(
    network, x_train, t_train, validation_data=(x_val, t_val),
    optimizer="adam", optimizer_params={"lr": 1e-3}, epochs=40, batch_size=32, seed=0,
    callbacks=[minidl.EarlyStopping("val_loss", patience=5)],  # keeps the best epoch's weights
    verbose=0,
)

best = history.best("val_loss")
print(f"trained {len(history)} epochs; best validation loss {best['val_loss']:.4f} at epoch {best['epoch']}")
print(f"test accuracy {network.accuracy(x_test, t_test):.2%}")
