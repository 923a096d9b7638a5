"""Reproduce the optimizer and initialisation experiments: a figure and its numbers.

Each experiment writes into --out DIR a PNG figure and the numbers behind it,
NAME.csv (one observation a row) and NAME.json (settings and summary). All run
offline on the 8x8 digits by default, in about a minute or less; --dataset
mnist (or fashion-mnist, idx:DIR) runs the same on 28x28 images. The same
--seed gives bit-identical numbers on the same machine, numpy/BLAS build and
thread count; another CPU's BLAS kernel changes the last digits.

examples:
  minidl experiment paths --out results
  minidl experiment compare --seeds 3 --iterations 500 --out results
  minidl experiment compare --optimizers sgd,adam,rmsprop --set adam.lr=0.01 --iterations 500
  minidl experiment init --dataset mnist --out results
  minidl experiment activations --activation relu --inits 0.01,xavier,he
  minidl experiment search --trials 50 --no-plot
  minidl experiment filters --out results
  minidl experiment compare --seeds 4 --n-jobs 2      # two runs at a time

Run "minidl experiment NAME --help" for the options of each experiment.
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

import numpy as np

from minidl.cli import arguments
from minidl.cli.arguments import DATA_HOME_HELP, DATASET_HELP, HelpFormatter, add_command, data_home, lowercase

EXAMPLES = {
    "paths": ["minidl experiment paths --out results",
              "minidl experiment paths --optimizers sgd,momentum,adam --set sgd.lr=0.5 --steps 50"],
    "compare": ["minidl experiment compare --seeds 3 --iterations 500 --out results",
                "minidl experiment compare --optimizers sgd,nesterov,rmsprop,adam --set rmsprop.lr=0.001",
                "minidl experiment compare --dataset mnist --iterations 2000 --out results/mnist"],
    "init": ["minidl experiment init --seeds 3 --iterations 1000 --out results",
             "minidl experiment init --activation sigmoid --inits 0.01,xavier,he --lr 0.1"],
    "activations": ["minidl experiment activations --out results",
                    "minidl experiment activations --activation relu --inits 0.01,xavier,he --out results",
                    "minidl experiment activations --activation tanh --inits 1,0.01,xavier"],
    "batchnorm": ["minidl experiment batchnorm --out results",
                  "minidl experiment batchnorm --scales 8 --epochs 10"],
    "overfit": ["minidl experiment overfit --out results",
                "minidl experiment overfit --seeds 5 --out results",
                "minidl experiment overfit --optimizer sgd --lr 0.01 --weight-decay 0.1  # the book's settings"],
    "search": ["minidl experiment search --out results",
               "minidl experiment search --trials 100 --lr-range 1e-6,1e-2 --weight-decay-range 1e-8,1e-4"],
    "filters": ["minidl experiment filters --out results",
                "minidl experiment filters --weight-init he --epochs 5",
                "minidl experiment filters --dataset mnist --pad 0 --out results/mnist  # the book's network"],
}
SUMMARIES = {
    "paths": "paths of optimizers on a stretched bowl, f(x, y) = x**2/20 + y**2",
    "compare": "compare optimizers' training loss on a data set (same batches, same initial weights)",
    "init": "compare initial weight scales: std 0.01, Xavier, He",
    "activations": "histograms of each layer's activations for several initialisations",
    "batchnorm": "training accuracy with and without batch normalisation, per initial weight scale",
    "overfit": "overfitting on few samples, and weight decay and dropout against it",
    "search": "random search of learning rate and weight decay on a validation split",
    "filters": "the first convolution layer's filters before and after training (the book's chapter 7)",
}


# ================================================================ option parsing
def names(text):
    """``"sgd,Adam"`` -> ``["sgd", "adam"]``."""
    values = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not values:
        raise argparse.ArgumentTypeError(f"expected comma-separated names like sgd,adam, got {text!r}")
    return values


def initialisations(text):
    """``"0.01,xavier,he"`` -> ``[0.01, "xavier", "he"]`` (numbers are standard deviations)."""
    values = []
    for part in names(text):
        try:
            values.append(float(part))
        except ValueError:
            values.append(part)
    return values


def initialisation(text):
    """``"0.01"`` -> ``0.01`` (a standard deviation); ``"He"`` -> ``"he"``."""
    values = initialisations(text)
    if len(values) != 1:
        raise argparse.ArgumentTypeError(f"expected one initialisation like he or 0.01, got {text!r}")
    return values[0]


def job_count(text):
    """``"2"`` -> ``2``; ``"-1"`` -> ``-1`` (one job a core)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1 and value != -1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, or -1 for one job a core, got {text!r}")
    return value


def number_range(text):
    """``"1e-4,1e-1"`` -> ``(0.0001, 0.1)``."""
    parts = text.split(",")
    try:
        low, high = (float(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LOW,HIGH like 1e-4,1e-1, got {text!r}") from None
    return low, high


def per_optimizer(pairs):
    """``[("adam.lr", 0.01)]`` (from repeated ``--set``) -> ``{"adam": {"lr": 0.01}}``, numbers checked."""
    from minidl import optim

    hyperparameters = {}
    for key, value in pairs or ():
        optimizer, dot, name = key.partition(".")
        if not dot or not optimizer or not name:
            raise ValueError(f"--set takes OPTIMIZER.NAME=VALUE such as adam.lr=0.01, got {key}={value!r}")
        chosen = hyperparameters.setdefault(optimizer.lower(), {})
        if name in chosen:
            raise ValueError(f"--set {optimizer}.{name} is given twice ({chosen[name]!r} and {value!r}); give it once")
        chosen[name] = value
    for optimizer, values in hyperparameters.items():
        optimizer_class = optim.available().get(optimizer)  # unknown names: reported by the experiment
        if optimizer_class is not None:  # "--set sgd.lr=abc" would reach SGD as the text 'abc'
            arguments.check_numbers(values, f"--set {optimizer}.", optimizer_class)
    return hyperparameters


def single_optimizer(args):
    """The ``--lr`` of the one-optimizer experiments as an ``optimizer_params`` dict."""
    return {} if args.lr is None else {"lr": args.lr}


# ================================================================ the experiments
def compute_paths(args):
    from minidl.experiments import optimizer_paths

    return optimizer_paths(args.optimizers, per_optimizer(args.set), steps=args.steps)


def compute_compare(args):
    from minidl.experiments import compare_optimizers

    return compare_optimizers(args.dataset, args.optimizers, per_optimizer(args.set), iterations=args.iterations,
                              batch_size=args.batch_size, seeds=args.seeds, seed=args.seed, progress=not args.quiet,
                              n_jobs=args.n_jobs)


def compute_init(args):
    from minidl.experiments import compare_initialisations

    return compare_initialisations(args.dataset, args.inits, args.activation, args.optimizer, single_optimizer(args),
                                   iterations=args.iterations, batch_size=args.batch_size, seeds=args.seeds,
                                   seed=args.seed, progress=not args.quiet, n_jobs=args.n_jobs)


def compute_activations(args):
    from minidl.experiments import activation_histograms

    default = (0.01, "xavier", "he") if args.activation == "relu" else (1.0, 0.01, "xavier")
    return activation_histograms(args.activation, args.inits or default, layers=args.layers, units=args.units,
                                 samples=args.samples, seed=args.seed)


def compute_batchnorm(args):
    from minidl.experiments import compare_batchnorm

    return compare_batchnorm(args.dataset, np.logspace(0, -4, args.scales).tolist(), samples=args.samples,
                             epochs=args.epochs, optimizer=args.optimizer, optimizer_params=single_optimizer(args),
                             seed=args.seed, progress=not args.quiet, n_jobs=args.n_jobs)


def compute_overfit(args):
    from minidl.experiments import overfitting

    return overfitting(args.dataset, samples=args.samples, epochs=args.epochs, weight_decay=args.weight_decay,
                       dropout=args.dropout, optimizer=args.optimizer, optimizer_params=single_optimizer(args),
                       seeds=args.seeds, seed=args.seed, progress=not args.quiet, n_jobs=args.n_jobs)


def compute_search(args):
    from minidl.experiments import random_search

    return random_search(args.dataset, trials=args.trials, learning_rate_range=args.lr_range,
                         weight_decay_range=args.weight_decay_range, samples=args.samples, epochs=args.epochs,
                         optimizer=args.optimizer, seed=args.seed, progress=not args.quiet, n_jobs=args.n_jobs)


def compute_filters(args):
    from minidl.experiments import convolution_filters

    return convolution_filters(args.dataset, filter_num=args.filter_num, filter_size=args.filter_size, pad=args.pad,
                               hidden_size=args.hidden_size, weight_init=args.weight_init, epochs=args.epochs,
                               batch_size=args.batch_size, optimizer=args.optimizer,
                               optimizer_params=single_optimizer(args), samples=args.samples, seed=args.seed,
                               progress=not args.quiet)


def draw(result, args):
    """The figure of ``result``, with the drawing options this experiment has."""
    if args.experiment in ("compare", "init"):
        return result.plot(smoothing=args.smooth)
    if args.experiment == "search":
        return result.plot(top=args.top)
    return result.plot()


COMPUTE = {"paths": compute_paths, "compare": compute_compare, "init": compute_init,
           "activations": compute_activations, "batchnorm": compute_batchnorm, "overfit": compute_overfit,
           "search": compute_search, "filters": compute_filters}


# ================================================================ the parser
def add_options(parser, name):
    """Declare the options of experiment ``name``."""
    add = parser.add_argument
    if name not in ("paths", "activations"):
        add("--dataset", default="digits", help=DATASET_HELP)
        add("--data-home", default=None, metavar="DIR", help=DATA_HOME_HELP)
    if name in ("paths", "compare"):
        # argparse passes a string default through `type` too, so the help shows it as typed.
        default = "sgd,momentum,nesterov,adagrad,rmsprop,adadelta,adam" if name == "paths" else \
            "sgd,momentum,adagrad,adam"
        add("--optimizers", type=names, default=default, metavar="NAMES",
            help="registered optimizer names, comma-separated (see: minidl optimizers)")
        add("--set", type=arguments.key_value, action="append", metavar="OPTIMIZER.NAME=VALUE",
            help="a hyperparameter of one optimizer, e.g. adam.lr=0.01 or momentum.momentum=0.95 (repeatable)")
    if name == "paths":
        add("--steps", type=arguments.positive_int, default=30, help="number of updates")
    if name in ("compare", "init"):
        add("--iterations", type=arguments.positive_int, default=2000, help="mini-batch updates per run")
        add("--batch-size", type=arguments.positive_int, default=128, help="samples per mini-batch update")
        add("--smooth", type=arguments.positive_int, default=20, metavar="WINDOW",
            help="draw a moving average over WINDOW iterations, 1 for the raw losses (the CSV keeps the raw losses)")
    if name in ("compare", "init", "overfit"):
        add("--seeds", type=arguments.positive_int, default=1,
            help="repeat with seeds SEED, SEED+1, ...; the figure shows the mean and a band of one std")
    if name in ("init", "activations"):
        add("--activation", default="relu" if name == "init" else "sigmoid", type=lowercase,
            choices=("relu", "sigmoid", "tanh"),
            help="activation function of the hidden layers")
        add("--inits", type=initialisations, default="0.01,xavier,he" if name == "init" else None,
            metavar="INITS", help="initialisations, comma-separated: he, xavier, he_uniform, xavier_uniform or a "
                                  "standard deviation such as 0.01 (activations: default 1,0.01,xavier for sigmoid "
                                  "and tanh, 0.01,xavier,he for relu)")
    if name in ("init", "batchnorm", "overfit", "search", "filters"):
        add("--optimizer", default="adam" if name in ("overfit", "filters") else "sgd", metavar="NAME",
            help="see: minidl optimizers")
    if name in ("init", "batchnorm", "overfit", "filters"):
        add("--lr", type=arguments.positive_float, default=0.001 if name in ("overfit", "filters") else 0.01,
            help="learning rate")
    if name == "activations":
        add("--layers", type=arguments.positive_int, default=5, help="hidden layers, one histogram each")
        add("--units", type=arguments.positive_int, default=100, help="units a layer")
        add("--samples", type=arguments.positive_int, default=1000, help="random inputs")
    if name in ("batchnorm", "overfit", "search"):
        samples, epochs = {"batchnorm": (1000, 20), "overfit": (300, 200), "search": (500, 50)}[name]
        add("--samples", type=arguments.positive_int, default=samples, help="training samples used (the first ones)")
        add("--epochs", type=arguments.positive_int, default=epochs,
            help="passes over the training samples" + (" per trial" if name == "search" else " per run"))
    if name == "filters":
        add("--filter-num", type=arguments.positive_int, default=30, metavar="N", help="filters of the convolution")
        add("--filter-size", type=arguments.positive_int, default=5, metavar="SIZE",
            help="height and width of each filter")
        add("--pad", type=arguments.non_negative_int, default=2,
            help="zeros around each image (2 keeps 8x8 digits 8x8 under 5x5 filters; the book uses 0 on MNIST)")
        add("--hidden-size", type=arguments.positive_int, default=100, metavar="UNITS", help="hidden affine units")
        add("--weight-init", type=initialisation, default="0.01", metavar="INIT",
            help="initial weights: he, xavier, he_uniform, xavier_uniform or a standard deviation (the book's 0.01)")
        add("--samples", type=arguments.positive_int, default=None,
            help="training samples used (the first ones; default: all)")
        add("--epochs", type=arguments.positive_int, default=20, help="passes over the training samples")
        add("--batch-size", type=arguments.positive_int, default=100, help="samples per mini-batch update")
    if name == "batchnorm":
        add("--scales", type=arguments.positive_int, default=16,
            help="number of initial weight standard deviations, log-spaced from 1 to 1e-4")
    if name == "overfit":
        add("--weight-decay", type=arguments.non_negative_float, default=0.001, metavar="LAMBDA",
            help="L2 penalty lambda/2 * sum(W**2) of the weight-decay runs")
        add("--dropout", type=arguments.fraction, default=0.2, metavar="RATIO",
            help="dropout ratio of the dropout runs")
    if name == "search":
        add("--trials", type=arguments.positive_int, default=30,
            help="networks trained, each with its own random learning rate and weight decay")
        add("--lr-range", type=number_range, default=(1e-4, 1e-1), metavar="LOW,HIGH",
            help="learning rates are drawn log-uniformly in this range")
        add("--weight-decay-range", type=number_range, default=(1e-8, 1e-4), metavar="LOW,HIGH",
            help="weight decays are drawn log-uniformly in this range")
        add("--top", type=arguments.positive_int, default=7, help="curves of the best TOP trials in the figure")
    if name != "paths":
        add("--seed", type=int, default=0, help="first seed: the same seed gives the same numbers")
    if name not in ("paths", "activations", "filters"):
        add("--n-jobs", type=job_count, default=None, metavar="N",
            help="train N runs at a time, in worker processes (-1: one a core); the numbers do not change "
                 "(default: 1)")
        add("--scheduler", default=None, metavar="ADDRESS",
            help="send the runs to the Dask cluster whose scheduler is at ADDRESS, e.g. tcp://10.0.0.5:8786 "
                 '(pip install -e ".[distributed]")')
    add("--out", default="results", metavar="DIR", help="folder for NAME.png, NAME.csv and NAME.json")
    add("--name", default=None, help="file name stem to use instead of the experiment's name")
    add("--no-plot", action="store_true", help="write only the CSV and JSON (no matplotlib needed)")
    arguments.add_threads_option(parser)
    add("--quiet", action="store_true", help="no progress report and no summary")


def add_parser(subparsers):
    parser = add_command(subparsers, "experiment", __doc__,
                         "reproduce the optimizer and initialisation experiments (figures and numbers)")
    experiments = parser.add_subparsers(title="experiments", dest="experiment", metavar="NAME", required=True)
    for name, summary in SUMMARIES.items():
        description = f"{summary[0].upper()}{summary[1:]}.\n\nexamples:\n" + "\n".join(
            f"  {example}" for example in EXAMPLES[name])
        experiment = experiments.add_parser(name, help=summary, description=description, formatter_class=HelpFormatter)
        add_options(experiment, name)
        experiment.set_defaults(parser=experiment)  # an unknown option is reported by the experiment's own parser
    return parser


def output_stem(args):
    """The file name stem of an experiment's outputs: ``--name``, else the experiment's name.

    ``activations`` adds the activation (``activations-relu``), so that its
    sigmoid and ReLU figures can sit in one folder.
    """
    if args.name:
        return args.name
    return f"activations-{args.activation}" if args.experiment == "activations" else args.experiment


def run(args):
    from minidl.experiments.results import check_folder, save_numbers
    from minidl.plotting import check_plotting_available, save_figure
    from minidl.threads import limit_threads

    if not args.no_plot:
        try:
            check_plotting_available()  # before minutes of training, not after
        except ModuleNotFoundError as error:
            raise ValueError(f"{error}, or add --no-plot to write only the numbers") from error
    if getattr(args, "seed", 0) < 0:
        raise ValueError(f"--seed must be >= 0, got {args.seed}")
    stem = output_stem(args)
    outputs = [f"{stem}.csv", f"{stem}.json"] + ([] if args.no_plot else [f"{stem}.png"])
    folder = check_folder(args.out, outputs)  # created only when the results are written
    # Without --threads, each training run decides for its own network.
    threads = contextlib.nullcontext() if args.threads is None else limit_threads(args.threads)
    with data_home(getattr(args, "data_home", None)), threads, where_to_run(args):
        result = COMPUTE[args.experiment](args)
    written = list(save_numbers(result, folder, stem))
    if not args.no_plot:
        written.append(save_figure(draw(result, args), Path(folder) / f"{stem}.png"))
    if not args.quiet:
        print("\n".join(result.summary()))
        print("wrote " + ", ".join(str(path) for path in written))
    return 0


def where_to_run(args):
    """A context in which the runs go to ``--scheduler``'s Dask cluster; a context that does nothing without it."""
    from minidl.experiments.dispatch import dask_scheduler

    if getattr(args, "scheduler", None) is None:
        return contextlib.nullcontext()
    if args.n_jobs is not None:
        raise ValueError("--n-jobs and --scheduler do not go together: on a Dask cluster every worker thread "
                         "takes runs; drop --n-jobs")
    try:
        return dask_scheduler(args.scheduler)
    except ModuleNotFoundError as error:  # an error of the user's setup: one line, not a traceback
        raise ValueError(str(error)) from error
