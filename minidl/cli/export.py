"""Write a saved model in a format other tools run: ONNX.

MODEL is a file written by "minidl train --save" (or minidl.save_model), or a
checkpoint: an MLP, a SimpleConvNet or a Sequential of
minidl's layers. The ONNX file holds the inference graph (Gemm, Conv,
MaxPool, Flatten before a Gemm on images, Relu, Sigmoid or Tanh,
BatchNormalization with the running statistics, Softmax; dropout is left
out, as at inference): its output "probabilities" are those of
net.predict_proba for the input "x", in any ONNX runtime. It needs the onnx
package: pip install -e ".[onnx]" in minidl's folder (which brings onnxruntime too).

For PyTorch, use minidl.export.to_torch(net) from Python.

examples:
  minidl train --dataset digits --save digits.npz
  minidl export digits.npz --format onnx digits.onnx
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from minidl.cli.arguments import add_command
from minidl.files import check_output_folder, same_file
from minidl.serialization import load_model


def add_parser(subparsers):
    parser = add_command(subparsers, "export", __doc__, "write a saved model as an ONNX file")
    parser.add_argument("model", metavar="MODEL", help="a .npz model or checkpoint written by minidl")
    parser.add_argument("--format", default="onnx", choices=("onnx",), help="the format to write")
    parser.add_argument("out", metavar="OUT", help="the file to write, e.g. model.onnx")
    return parser


def run(args):
    from minidl.export import to_onnx

    check_output_folder(args.out, "OUT")
    network = load_model(args.model)  # first: a MODEL that is no model (an .onnx file) is the problem to name
    if same_file(args.model, args.out):
        raise ValueError(f"MODEL {args.model!r} and OUT {args.out!r} are the same file, so the export would "
                         "overwrite the model; give OUT its own name, e.g. model.onnx")
    if Path(args.out).suffix.lower() == ".npz" or (Path(args.out).is_file() and zipfile.is_zipfile(args.out)):
        # Most likely another minidl model: an ONNX file written over it would lose it.
        raise ValueError(f"OUT {args.out!r} is named or made like a minidl .npz model, which the ONNX file "
                         f"would replace; give OUT a name of its own ending in .onnx, e.g. "
                         f"{Path(args.out).with_suffix('.onnx').name}")
    try:
        to_onnx(network, args.out)
    except ModuleNotFoundError as error:  # an error of the user's setup: one line, not a traceback
        raise ValueError(str(error)) from error
    shape = ", ".join(map(str, network.input_shape))
    print(f"wrote {args.out}: {network.describe()}, input 'x' (N, {shape}) {network.dtype.name}, "
          f"output 'probabilities' (N, {network.output_size})")
    return 0
