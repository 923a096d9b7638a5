"""The same network in PyTorch (CPU), as idiomatic PyTorch users write it.

``torch`` is optional: :func:`load_torch` returns None when it is not
installed and the benchmark prints a note instead of the PyTorch ratio. It is
never imported by minidl itself or by its tests.

The loop is the usual one, with nothing that would make PyTorch look worse
than it is: ``nn.Sequential`` of ``nn.Linear`` and ``nn.ReLU``,
``nn.CrossEntropyLoss``, ``torch.optim.Adam`` with its defaults, float32, one
contiguous shuffle per epoch (``randperm`` and one gather, exactly as
minidl's :class:`~minidl.datasets.MiniBatches`), batches as slices (views),
``zero_grad(set_to_none=True)``. No DataLoader: its worker and collation
overhead would only slow PyTorch down.
"""

from __future__ import annotations

import importlib.util


def load_torch(threads):
    """Import torch and pin it to ``threads`` intra-op threads; None if absent."""
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    torch.set_num_threads(threads)
    return torch


class TorchTraining:
    """A PyTorch MLP with He initialisation and Adam; :meth:`run_epoch` is timed.

    Parameters
    ----------
    torch : module
        The imported ``torch`` (from :func:`load_torch`).
    x : ndarray, shape (m, 784), float32
        Inputs; shared with torch without a copy (``torch.from_numpy``).
    t : ndarray, shape (m,), int64
        Integer labels.
    sizes : list of int
        Layer widths from input to output.
    batch_size : int
        Samples per step.
    seed : int
        Seeds the weights and the shuffles (``torch.Generator``).
    """

    def __init__(self, torch, x, t, sizes, batch_size, seed):
        self.torch = torch
        self.generator = torch.Generator().manual_seed(seed)
        self.x = torch.from_numpy(x)
        self.t = torch.from_numpy(t)
        self.batch_size = batch_size
        modules = []
        for index in range(1, len(sizes)):
            linear = torch.nn.Linear(sizes[index - 1], sizes[index])
            # He initialisation, N(0, 2 / fan_in), biases at zero: as minidl's MLP.
            torch.nn.init.kaiming_normal_(linear.weight, nonlinearity="relu", generator=self.generator)
            torch.nn.init.zeros_(linear.bias)
            modules.append(linear)
            if index < len(sizes) - 1:
                modules.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*modules)
        self.loss_function = torch.nn.CrossEntropyLoss()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=0.001)

    def run_epoch(self):
        """One shuffle, then one forward, backward and Adam step per batch."""
        torch = self.torch
        permutation = torch.randperm(len(self.x), generator=self.generator)
        x_shuffled, t_shuffled = self.x[permutation], self.t[permutation]
        self.model.train()
        loss = None
        for start in range(0, len(x_shuffled), self.batch_size):
            x_batch = x_shuffled[start : start + self.batch_size]
            t_batch = t_shuffled[start : start + self.batch_size]
            self.optimizer.zero_grad(set_to_none=True)
            loss = self.loss_function(self.model(x_batch), t_batch)
            loss.backward()
            self.optimizer.step()
        return loss.item()
