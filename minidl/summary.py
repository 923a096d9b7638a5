"""A network's summary: one row a layer, with its output shape and its parameters.

Keras' ``model.summary()`` habit, shown when a network is displayed in
Jupyter or IPython (``net`` as the last line of a cell)::

    MLP 64 -> 32 -> 10 (relu), float32, seed 0: 2,410 parameters
    layer        kind               output   parameters  arrays
    -----------  -----------------  -------  ----------  ------
    Affine1      Affine(64 -> 32)   (N, 32)       2,080  W1, b1
    Activation1  ReLU()             (N, 32)           0
    Affine2      Affine(32 -> 10)   (N, 10)         330  W2, b2
    last_layer   SoftmaxWithLoss()  loss              0

``N`` is the number of samples in a batch. ``print(net)`` still gives the
constructor-style text of :meth:`minidl.MLP.__repr__`.
"""

from __future__ import annotations

from minidl.tables import html_table, text_table

HEADER = ("layer", "kind", "output", "parameters", "arrays")


def summary_rows(network):
    """The title and the rows of the summary of a :class:`~minidl.Sequential` (text cells).

    The output shapes come from one forward pass of a sample of zeros.
    """
    rows = []
    for (name, layer), shape in zip(network.layers.items(), network.output_shapes()):
        arrays = list(network.layer_params(name).values())
        count = sum(network.params[array].size for array in arrays)
        rows.append([name, repr(layer), f"(N, {', '.join(map(str, shape))})", f"{count:,}", ", ".join(arrays)])
    rows.append(["last_layer", repr(network.last_layer), "loss", "0", ""])
    total = sum(array.size for array in network.params.values())
    title = (f"{type(network).__name__} {network.describe()}, {network.dtype.name}, seed {network.seed}: "
             f"{total:,} parameters"
             + (f", weight decay {network.weight_decay:g}" if network.weight_decay else ""))
    return title, rows


def summary_text(network):
    """The summary as aligned text (IPython's display)."""
    title, rows = summary_rows(network)
    return text_table(HEADER, rows, title=title)


def summary_html(network):
    """The summary as an HTML table (Jupyter's display)."""
    title, rows = summary_rows(network)
    return html_table(HEADER, rows, title=title)
