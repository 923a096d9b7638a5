"""Measure a saved model: accuracy, accuracy of each class and the confusion matrix.

MODEL is a file written by "minidl train --save" (or minidl.save_model), or a
checkpoint. The data set defaults to the one the model was trained on. A
model trained on --dataset idx:DIR with a relative DIR looks for DIR beside
the model first, then in the current folder.

A checkpoint holds the weights of the last epoch trained; after early
stopping the best epoch's weights are in the model saved with --save instead.
"--split train" measures the whole training part of the data set, including
the samples "minidl train --validation-fraction" held out for validation.

The confusion matrix has one row per true class and one column per predicted
class: the diagonal counts the right answers, and a large number off the
diagonal shows which digit the network mistakes for which.

examples:
  minidl train --dataset digits --save digits.npz
  minidl evaluate digits.npz
  minidl evaluate digits.npz --dataset digits --split train
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from minidl.archive import starts_like_onnx
from minidl.cli.arguments import DATA_HOME_HELP, DATASET_HELP, add_command, add_threads_option, data_home, lowercase
from minidl.datasets import load_dataset
from minidl.serialization import load_model, read_model_metadata
from minidl.threads import limit_threads, network_sizes
from minidl.training import predict_classes
from minidl.training.evaluation import CHUNK_SIZE


def add_parser(subparsers):
    parser = add_command(subparsers, "evaluate", __doc__, "report the accuracy of a saved model")
    parser.add_argument("model", metavar="MODEL", help="a .npz model or checkpoint written by minidl")
    parser.add_argument("--dataset", default=None,
                        help=DATASET_HELP + " (default: the data set the model was trained on)")
    parser.add_argument("--data-home", default=None, metavar="DIR", help=DATA_HOME_HELP)
    parser.add_argument("--split", default="test", type=lowercase, choices=("test", "train"),
                        help="which part of the data set; train includes the samples held out for validation")
    add_threads_option(parser)
    return parser


def run(args):
    from sklearn.metrics import confusion_matrix

    _check_is_an_archive(args.model)
    network = load_model(args.model)
    metadata = read_model_metadata(args.model)
    dataset = args.dataset or metadata.get("dataset")
    if dataset is None:
        raise ValueError(f"model {args.model!r} does not record its data set; pass --dataset NAME")
    if args.dataset is None:
        dataset = _recorded_dataset(args.model, dataset)
    input_shape = tuple(getattr(network, "input_shape", (network.input_size,)))
    images = len(input_shape) > 1  # a convolutional network: samples as (N, channels, height, width)
    with data_home(args.data_home):
        train, test = load_dataset(dataset, flatten=not images)
    x, labels = test if args.split == "test" else train
    if x.shape[1:] != (input_shape if images else (network.input_size,)) or labels.max() >= network.output_size:
        samples = f"{'x'.join(map(str, x.shape[1:]))} images" if images else f"{x.shape[1]} features"
        raise ValueError(
            f"model {args.model!r} ({network.describe()}) does not fit data set {dataset!r} "
            f"({samples}, {int(labels.max()) + 1} classes); pass the data set it was trained on"
        )
    with limit_threads(args.threads, network_sizes(network), batch_size=min(len(x), CHUNK_SIZE)):
        predictions = predict_classes(network, x)
    classes = np.arange(network.output_size)
    matrix = confusion_matrix(labels, predictions, labels=classes)
    correct = int(np.trace(matrix))
    print(f"{args.model}: {network.describe()} on {dataset} ({args.split} set, {len(x)} samples"
          f"{_held_out_note(metadata, dataset) if args.split == 'train' else ''})")
    print(f"accuracy {100 * correct / len(x):.2f} % ({correct}/{len(x)})\n")
    print(format_per_class(matrix))
    print()
    print(format_confusion_matrix(matrix))
    return 0


def _check_is_an_archive(path):
    """Refuse a file that is plainly not a model (``history.csv``, ``net.onnx``), saying what to pass instead."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        return  # missing files and folders: load_model explains them
    if _looks_like_onnx(path) or (suffix == ".onnx" and not zipfile.is_zipfile(path)):
        raise ValueError(f"{str(path)!r} is an ONNX file (what minidl export writes); evaluate reads the .npz "
                         "model it was exported from, written by minidl train --save or --checkpoint")
    if suffix == ".npz" or zipfile.is_zipfile(path):
        return  # damaged archives: load_model explains them
    if suffix in (".csv", ".json"):
        raise ValueError(f"{str(path)!r} is a {suffix[1:].upper()} file, such as a history written by --history, "
                         "not a model; pass the .npz file written by 'minidl train --save MODEL.npz' "
                         "(or a --checkpoint file)")
    raise ValueError(f"{str(path)!r} is not a model: evaluate reads a .npz file written by minidl train --save "
                     "or --checkpoint")


def _looks_like_onnx(path):
    """True if the file starts as an ONNX model does."""
    try:
        with open(path, "rb") as file:
            return starts_like_onnx(file.read(3))
    except OSError:
        return False  # load_model says why it cannot be read


def _recorded_dataset(model, dataset):
    """The data set ``model`` records, with a relative ``idx:DIR`` looked for beside the model, then here.

    A relative DIR was typed in the folder "minidl train" ran in, which the
    model does not record. A model saved there and evaluated from elsewhere
    finds DIR beside itself; one saved into a subfolder (--save runs/m.npz)
    and evaluated from the training folder finds DIR in the current folder.
    Beside the model comes first, so that another folder of the same name
    here is not taken for the data the model learned from.
    """
    if not dataset.strip().lower().startswith("idx:"):
        return dataset
    recorded = Path(dataset.strip()[len("idx:"):]).expanduser()
    beside_the_model = Path(model).parent / recorded
    for folder in (beside_the_model, recorded):
        if folder.is_dir():
            return f"idx:{folder}"
    where = (f"{str(recorded)!r} does not exist" if beside_the_model == recorded  # here, or absolute
             else f"is neither beside the model ({str(beside_the_model)!r}) nor here ({str(recorded)!r})")
    raise FileNotFoundError(f"model {model!r} was trained on --dataset {dataset}, but its IDX folder {where}; "
                            "pass --dataset idx:DIR with the folder holding the four IDX files")


def _held_out_note(metadata, dataset):
    """What the train split holds besides the samples the model learned from, as far as the file tells."""
    if metadata.get("dataset") != dataset or "validation_fraction" not in metadata:
        return ", the whole training part: it includes any samples held out for validation"
    fraction = metadata["validation_fraction"]
    return f", including the {100 * fraction:g} % held out for validation during training" if fraction else ""


def format_per_class(matrix):
    """A table: class, number of samples, accuracy (recall) of that class."""
    lines = ["class  samples  accuracy"]
    for label, row in enumerate(matrix):
        total = int(row.sum())
        accuracy = f"{100 * row[label] / total:6.2f} %" if total else "     - "
        lines.append(f"{label:>5}  {total:>7}  {accuracy}")
    return "\n".join(lines)


def format_confusion_matrix(matrix):
    """The matrix with class numbers on both axes, columns as wide as the largest count."""
    width = max(len(str(int(matrix.max()))), len(str(len(matrix) - 1))) + 1
    header = "true \\ predicted"
    lines = [header, " " * 6 + "".join(f"{label:>{width}}" for label in range(len(matrix)))]
    for label, row in enumerate(matrix):
        lines.append(f"{label:>5} " + "".join(f"{int(count):>{width}}" for count in row))
    return "\n".join(lines)
