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
``.npz`` read with ``allow_pickle=False`` can only ever give back arrays.

Layout on disk: every array of the nested dict is stored under its path
(``"optimizer/m/W1"``); the structure, with small values (ints, floats,
strings) and a placeholder ``{"__array__": "optimizer/m/W1"}`` for each array,
is the JSON metadata. Python floats survive JSON exactly (``repr`` round-trips),
so nothing is rounded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from minidl.files import load_npz, save_npz

MODEL_FORMAT = "minidl-model"
CHECKPOINT_FORMAT = "minidl-checkpoint"
FORMAT_VERSION = 1
_ARRAY = "__array__"


# ===================================================================== models
def save_model(network, path, metadata=None):
    """Write ``network`` (architecture and state) to ``path`` as ``.npz``.

    Parameters
    ----------
    network : minidl.MLP
        Anything with ``config`` (JSON-ready dict) and ``state_dict()``.
    path : str or os.PathLike
        Destination, written exactly as given (no suffix is added). The file
        is replaced atomically: an interrupted save leaves the old file.
    metadata : dict, optional
        Extra JSON-ready facts to keep with the model (e.g. the data set it
        was trained on); :func:`read_model_metadata` gives them back.
    """
    tree = {"config": network.config, "state": network.state_dict(), "metadata": metadata or {}}
    _save_tree(path, tree, MODEL_FORMAT)


def load_model(path):
    """Rebuild the network saved at ``path`` (a model or a checkpoint file).

    Returns
    -------
    minidl.MLP
        A new network with the saved architecture and state, in evaluation
        mode as built by ``MLP.from_config``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If ``path`` is a folder, or the file is corrupt, damaged (edited by
        hand), not a minidl model or checkpoint, or written by a newer minidl.
    """
    from minidl.network import MLP  # late import: the network module imports nothing from here

    kind, tree = _load_tree(path, "model", (MODEL_FORMAT, CHECKPOINT_FORMAT))
    try:
        part = tree["network"] if kind == CHECKPOINT_FORMAT else tree
        network = MLP.from_config(part["config"])
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
    """Read a checkpoint written by :func:`save_checkpoint`; returns the nested dict."""
    return _load_tree(path, "checkpoint", (CHECKPOINT_FORMAT,))[1]


# ============================================================ nested storage
def _save_tree(path, tree, kind):
    arrays = {}
    structure = _split(tree, "", arrays)
    save_npz(path, arrays, meta={"format": kind, "version": FORMAT_VERSION, "tree": structure})


def _load_tree(path, what, accepted_formats):
    if Path(path).is_dir():
        raise ValueError(f"{what} {str(path)!r} is a folder, not a file; give the path of a .npz file in it")
    arrays, meta = load_npz(path, what=what)
    kind = meta.get("format") if isinstance(meta, dict) else None
    if kind not in accepted_formats:
        found = f"a {kind!r} file" if kind else "an .npz file without minidl metadata"
        expected = " or ".join(repr(name) for name in accepted_formats)
        raise ValueError(
            f"{what} {str(path)!r} is {found}, expected {expected}; "
            f"pass a file written by minidl's save_{'model' if what == 'model' else 'checkpoint'}"
        )
    version = meta.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(
            f"{what} {str(path)!r} is damaged: its format version is {version!r}, not a whole number "
            f"(this minidl writes {FORMAT_VERSION}); write the file again"
        )
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{what} {str(path)!r} has format version {version}, newer than this "
            f"minidl understands ({FORMAT_VERSION}); upgrade minidl to read it"
        )
    if "tree" not in meta:
        raise ValueError(f"{what} {str(path)!r} is damaged: its metadata has no 'tree'; write the file again")
    try:
        tree = _join(meta["tree"], arrays)
    except KeyError as exc:
        raise ValueError(f"{what} {str(path)!r} is incomplete: array {exc} is missing") from exc
    except TypeError as exc:
        raise ValueError(f"{what} {str(path)!r} is damaged: its structure is not minidl's ({exc})") from exc
    if not isinstance(tree, dict):
        raise ValueError(f"{what} {str(path)!r} is damaged: its structure is a {type(tree).__name__}, not a dict")
    return kind, tree


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
