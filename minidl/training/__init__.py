"""Training: the loop, its record (History), callbacks and checkpoints.

>>> from minidl.training import Trainer, EarlyStopping
>>> trainer = Trainer(network, "adam", {"lr": 1e-3}, epochs=20, callbacks=[EarlyStopping(patience=3)])
>>> history = trainer.fit(x_train, t_train, validation_data=(x_val, t_val))
"""

from minidl.training.callbacks import Callback, EarlyStopping
from minidl.training.divergence import TrainingDivergedError
from minidl.training.evaluation import evaluate, predict_classes
from minidl.training.history import History
from minidl.training.trainer import Trainer, fit

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "Trainer",
    "TrainingDivergedError",
    "evaluate",
    "fit",
    "predict_classes",
]
