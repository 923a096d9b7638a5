"""Save and load models and training checkpoints as pickle-free ``.npz`` files.

Two kinds of file, both written atomically through :mod:`minidl.files`:

* a **model** (:func:`save_model` / :func:`load_model`): the network's
  architecture as JSON plus its arrays (weights, biases, batch-norm running
  statistics). Enough to predict; a few hundred kilobytes for MNIST.
* a **checkpoint** (:func:`save_checkpoint` / :func:`load_checkpoint`):
  everything a :class:`~minidl.training.Trainer` needs to continue training
  as if it had never stopped: the model, the optimizer's state (e.g. Adam's
  moment estimates), the epoch, both random generators' states and the
  history so far. The trainer decides the content; this module only stores
  a nested dict of arrays and JSON values.

Why not pickle? Loading a pickle runs arbitrary code from the file. An
``.npz`` read by :mod:`minidl.archive` can only ever give back arrays, and
costs no more than they do: the settings are checked against the arrays'
shapes (read from their headers) before any network is built.

Layout on disk: every array of the nested dict is stored under its path
(``"optimizer/m/W1"``); the structure, with small values (ints, floats,
strings) and a placeholder ``{"__array__": "optimizer/m/W1"}`` for each array,
is the JSON metadata. Python floats survive JSON exactly (``repr`` round-trips),
so nothing is rounded.
"""

from __future__ import annotations

import numpy as np

from minidl.archive import open_archive
from minidl.files import save_npz
from minidl.protocols import build_network, network_state_shapes
from minidl.settings import Integer, check

MODEL_FORMAT = "minidl-model"
CHECKPOINT_FORMAT = "minidl-checkpoint"
FORMAT_VERSION = 1
_ARRAY = "__array__"


# ===================================================================== models
def save_model(network, path, metadata=None, overwrite=False):
    """Write ``network`` (architecture and state) to ``path`` as ``.npz``.

    Parameters
    ----------
    network : minidl.Sequential (an MLP, ...)
        Anything with ``architecture()`` and ``state_dict()`` (the network
        protocol, :mod:`minidl.protocols`).
    path : str or os.PathLike
        Destination, written exactly as given (no suffix is added). The file
        is replaced atomically: an interrupted save leaves the old file.
    metadata : dict, optional
        Extra JSON-ready facts to keep with the model (e.g. the data set it
        was trained on); :func:`read_model_metadata` gives them back.
    overwrite : bool, default False
        Replace an existing file at ``path`` that is not a minidl archive,
        or that holds a checkpoint (refused otherwise, so notes saved under a
        model's name and a run that can be resumed are kept, as with
        ``minidl train --save``). A model file is replaced by a model file
        without it.

    Raises
    ------
    ValueError
        If a layer's class is not registered (:func:`minidl.register_layer`):
        a file never holds code, so such a network cannot be saved. Nothing
        is written then.
    """
    architecture = network.architecture()
    tree = {"type": architecture["type"], "config": architecture["config"], "state": network.state_dict(),
            "metadata": metadata or {}}
    _save_tree(path, tree, MODEL_FORMAT, overwrite)


def load_model(path):
    """Rebuild the network saved at ``path`` (a model or a checkpoint file).

    Returns
    -------
    minidl.Sequential (an MLP, ...)
        A new network of the saved type (files older than the type hold an
        MLP) with the saved architecture and state, as built by its class's
        ``from_config``; a layer of one's own must be registered
        (:func:`minidl.register_layer`) in this Python session.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    OSError
        If the file cannot be read (no permission, an I/O error).
    ValueError
        If ``path`` is a folder or not a regular file, or the file is corrupt,
        damaged (edited by hand), not a minidl model or checkpoint, or written
        by a newer minidl. Settings that do not describe the file's own arrays
        are refused before any network is built (see :mod:`minidl.archive`).
    """
    kind, tree = _load_tree(path, "model", (MODEL_FORMAT, CHECKPOINT_FORMAT), builds_network=True)
    try:
        part = tree["network"] if kind == CHECKPOINT_FORMAT else tree
        network = build_network(part.get("type"), part["config"])
        network.load_state_dict(part["state"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"model {str(path)!r} does not hold a valid network ({exc})") from exc
    return network


def read_model_metadata(path):
    """The facts stored with the network at ``path``: a dict, ``{}`` when there are none.

    For a model, the ``metadata`` given to :func:`save_model`. For a
    checkpoint, the trainer's ``metadata`` (``minidl train`` records its
    data set there), so a checkpoint can be evaluated like a model.
    """
    kind, tree = _load_tree(path, "model", (MODEL_FORMAT, CHECKPOINT_FORMAT))
    part = tree.get("trainer", {}) if kind == CHECKPOINT_FORMAT else tree
    metadata = part.get("metadata") if isinstance(part, dict) else part
    if metadata is not None and not isinstance(metadata, dict):
        raise ValueError(f"model {str(path)!r} is damaged: its metadata is {metadata!r}, not a dict")
    return dict(metadata or {})


# ================================================================ checkpoints
def save_checkpoint(path, state):
    """Atomically write a checkpoint: ``state`` is a nested dict of arrays and JSON values.

    If writing fails or is interrupted (Ctrl-C), the previous checkpoint at
    ``path`` is left untouched.
    """
    _save_tree(path, state, CHECKPOINT_FORMAT)


def load_checkpoint(path):
    """Read a checkpoint written by :func:`save_checkpoint`; returns the nested dict.

    Its network part, if it has one, is checked against the file's arrays
    before they are read, and raises as :func:`load_model` does.
    """
    return _load_tree(path, "checkpoint", (CHECKPOINT_FORMAT,), builds_network=True)[1]


# ============================================================ nested storage
def _save_tree(path, tree, kind, overwrite=False):
    arrays = {}
    structure = _split(tree, "", arrays)
    save_npz(path, arrays, meta={"format": kind, "version": FORMAT_VERSION, "tree": structure}, overwrite=overwrite,
             kind="model" if kind == MODEL_FORMAT else "archive")


def _load_tree(path, what, accepted_formats, builds_network=False):
    """The file's kind and nested dict; with ``builds_network``, its network part is checked first.

    The metadata and the arrays' shapes are read before any array data, so a
    caller that goes on to build the network (``builds_network=True``) never
    builds one larger than the arrays that will fill it.
    """
    with open_archive(path, what) as archive:
        kind = _check_format(archive.meta, path, what, accepted_formats)
        skeleton = archive.meta["tree"]
        if builds_network:
            network = skeleton.get("network") if kind == CHECKPOINT_FORMAT and isinstance(skeleton, dict) else skeleton
            _check_network_fits_arrays(network, archive.headers, f"{what} {str(path)!r}")
        arrays = archive.read_all()
    try:
        tree = _join(skeleton, arrays)
    except KeyError as exc:
        raise ValueError(f"{what} {str(path)!r} is incomplete: array {exc} is missing") from exc
    except TypeError as exc:
        raise ValueError(f"{what} {str(path)!r} is damaged: its structure is not minidl's ({exc})") from exc
    if not isinstance(tree, dict):
        raise ValueError(f"{what} {str(path)!r} is damaged: its structure is a {type(tree).__name__}, not a dict")
    return kind, tree


#: How each kind of file is made, for the messages that ask for one.
_WRITTEN_BY = {"model": "a model file (written by minidl train --save, or minidl.save_model)",
               "checkpoint": "a checkpoint (written by minidl train --checkpoint, or Trainer(checkpoint=...))"}


def _check_format(meta, path, what, accepted_formats):
    """The format named by ``meta`` after checking it is one of ``accepted_formats``, in a version we read."""
    kind = meta.get("format") if isinstance(meta, dict) else None
    if kind not in accepted_formats:
        found = f"a {kind!r} file" if kind else "an .npz file without minidl metadata"
        expected = " or ".join(repr(name) for name in accepted_formats)
        raise ValueError(
            f"{what} {str(path)!r} is {found}, expected {expected}; "
            f"pass {_WRITTEN_BY['model' if what == 'model' else 'checkpoint']}"
        )
    version = meta.get("version")
    check(version, Integer(1), "its format version", where=f"{what} {str(path)!r} is damaged",
          fix=f"this minidl writes {FORMAT_VERSION}; write the file again")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{what} {str(path)!r} has format version {version}, newer than this "
            f"minidl understands ({FORMAT_VERSION}); upgrade minidl to read it"
        )
    if "tree" not in meta:
        raise ValueError(f"{what} {str(path)!r} is damaged: its metadata has no 'tree'; write the file again")
    return kind


def _check_network_fits_arrays(network, headers, name):
    """Refuse a network part whose settings do not describe its own arrays: names, shapes, floats.

    Checked on the metadata and the arrays' headers alone, before any data is
    read or any network built: a file whose settings were edited to ask for
    5x10^7 hidden units is refused in milliseconds, not after minutes spent
    allocating and initialising gigabytes of weights.
    """
    state = network.get("state") if isinstance(network, dict) else None
    if not isinstance(state, dict) or _ARRAY in state or "config" not in network:
        return  # no settings, or no dict of arrays: the caller reports the damage
    try:
        expected = network_state_shapes(network.get("type"), network["config"])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} does not hold a valid network ({exc})") from exc
    missing, unexpected = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
    if missing or unexpected:
        raise ValueError(
            f"{name} does not hold a valid network: missing arrays {_first(missing)}, unexpected arrays "
            f"{_first(unexpected)}; its settings must describe the arrays saved with them: save the network again"
        )
    for key, shape in expected.items():
        placeholder = state[key]
        array = placeholder.get(_ARRAY) if isinstance(placeholder, dict) else None
        header = headers.get(array) if isinstance(array, str) else None
        if header is None:
            raise ValueError(f"{name} does not hold a valid network: its {key!r} is not an array of the file")
        if header.shape != shape:
            raise ValueError(
                f"{name} does not hold a valid network: its settings call for {key} of shape {shape}, but the "
                f"file holds {key} of shape {header.shape}; were the settings edited? save the network again"
            )
        if header.dtype.kind != "f":
            raise ValueError(
                f"{name} does not hold a valid network: its {key} holds {header.dtype} values, "
                "not floating-point numbers; save the network again"
            )


def _first(names, count=6):
    """``names`` as a list for a message, cut after ``count`` (settings may ask for millions)."""
    return str(names) if len(names) <= count else f"{str(names[:count])[:-1]}, ... ({len(names)} in all)]"


def _split(value, path, arrays):
    """Move the arrays of ``value`` into ``arrays``; return the JSON skeleton."""
    if isinstance(value, dict):
        skeleton = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"state keys must be strings to be saved, got {key!r} at {path or '/'}")
            skeleton[key] = _split(item, f"{path}/{key}" if path else key, arrays)
        return skeleton
    if isinstance(value, (list, tuple)):
        return [_split(item, f"{path}/{index}", arrays) for index, item in enumerate(value)]
    if isinstance(value, (np.ndarray, np.generic)):
        arrays[path] = value
        # numpy scalars keep their dtype (float32 stays float32) and come back as scalars.
        return {_ARRAY: path, "scalar": isinstance(value, np.generic)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(
        f"cannot save {type(value).__name__} at {path!r}: a saved state may hold only "
        "dicts, lists, numpy arrays, numbers, strings and None"
    )


def _join(skeleton, arrays):
    """Inverse of :func:`_split`."""
    if isinstance(skeleton, dict):
        if _ARRAY in skeleton:
            array = arrays[skeleton[_ARRAY]]
            return array[()] if skeleton.get("scalar") else array
        return {key: _join(item, arrays) for key, item in skeleton.items()}
    if isinstance(skeleton, list):
        return [_join(item, arrays) for item in skeleton]
    return skeleton
