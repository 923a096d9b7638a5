"""Train a multilayer perceptron, or with --model cnn the book's convolutional
network, and report its test accuracy.

Options left out take defaults tuned for the data set:

  --model mlp          hidden   dropout  epochs  batch  optimizer      test accuracy
  digits               256      0        40      32     adam lr 0.001  about 98 % in seconds
  mnist, idx:DIR,
  fashion-mnist        512,512  0.2      20      128    adam lr 0.001  about 98.4 % on MNIST

  --model cnn          filters  size pad hidden  epochs batch optimizer      test accuracy
  digits (1x8x8)       30       3    1   100     30     32    adam lr 0.001  98.3-98.9 % (5 seeds)
  mnist, idx:DIR,
  fashion-mnist        30       5    0   100     20     100   adam lr 0.001  about 98.9 % on MNIST
  (1x28x28)                                                                (the book's network)

The convolutional network is the book's SimpleConvNet: conv - ReLU - 2x2 max
pool - affine (--hidden-size) - ReLU - affine. Options of one model
(--hidden, --activation, --dropout, --batchnorm, --weight-decay for mlp;
--filters, --filter-size, --pad, --stride, --hidden-size for cnn) are
refused with the other.

--lr defaults to the chosen optimizer's own default (minidl optimizers lists them).

examples:
  minidl train --dataset digits
  minidl train --dataset mnist --save mnist.npz --history mnist.csv
  minidl train --dataset digits --hidden 100,100 --activation tanh --optimizer momentum --lr 0.05
  minidl train --dataset digits --optimizer adam --optimizer-param beta2=0.99 --schedule cosine
  minidl train --dataset digits --validation-fraction 0.1 --early-stopping 5
  minidl train --dataset digits --model cnn --save cnn.npz
  minidl train --dataset mnist --model cnn --filters 16 --checkpoint cnn-run.npz
  minidl train --dataset mnist --checkpoint run.npz          # Ctrl-C, then:
  minidl train --resume run.npz
  minidl train --resume run.npz --epochs 30                  # train a finished run longer

A resumed run takes its data set, network, optimizer, schedule, batch size
and seed from the checkpoint: an option that asks for another value than
the saved one is refused (repeating the saved value is fine). --epochs (the
new total), --early-stopping, --checkpoint, --save, --history, --data-home,
--verbose and --threads apply (another thread count than the saved run's
is said once: the last bits may differ).

The same --seed gives bit-identical weights on the same machine, numpy/BLAS
build and thread count; another CPU's BLAS kernel moves them (by up to 0.022
for the digits run, same test accuracy: python benchmarks/kernels.py).
"""

from __future__ import annotations

import argparse
import inspect
import os
import textwrap
import time

from minidl import optim
from minidl.cli import arguments
from minidl.cli.arguments import DATA_HOME_HELP, DATASET_HELP, add_command, data_home, lowercase
from minidl.convnet import SimpleConvNet
from minidl.datasets import load_dataset, train_val_split
from minidl.files import check_fresh_output, check_output_folder, describe_existing, same_file, save_or_rescue
from minidl.locks import hold_outputs
from minidl.network import MLP
from minidl.optim.schedules import check_schedule
from minidl.serialization import load_checkpoint, save_model
from minidl.training import EarlyStopping, Trainer, evaluate
from minidl.training.checkpoints import build_trainer
from minidl.training.resume import resume_conflicts, saved_settings

#: Settings chosen when the option is not given. The parser leaves these at
#: None, so that ``--resume`` can tell an option typed with its default value
#: (``--optimizer adam``), which it checks against the checkpoint, from one
#: left out; :func:`run` fills them in.
CHECKED_DEFAULTS = {"dataset": "mnist", "validation_fraction": 0.0, "model": "mlp", "activation": "relu",
                    "weight_decay": 0.0, "dtype": "float32", "optimizer": "adam", "seed": 0, "batchnorm": False}

#: Settings chosen when the option is not given, by data set ("large" covers
#: every 28x28 data set: mnist, fashion-mnist and idx:DIR).
DEFAULTS = {
    "digits": {"hidden": (256,), "dropout": 0.0, "epochs": 40, "batch_size": 32},
    "large": {"hidden": (512, 512), "dropout": 0.2, "epochs": 20, "batch_size": 128},
}

#: The same for --model cnn. digits: chosen here, 98.3-98.9 % test accuracy
#: over seeds 0-4; the 28x28 data sets: the book's SimpleConvNet and its
#: training (Adam 0.001, 20 epochs, batches of 100), about 98.9 % on MNIST.
CNN_DEFAULTS = {
    "digits": {"filter_num": 30, "filter_size": 3, "pad": 1, "stride": 1, "hidden_size": 100, "epochs": 30,
               "batch_size": 32},
    "large": {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1, "hidden_size": 100, "epochs": 20,
              "batch_size": 100},
}

#: --model NAME -> the network type a file records.
MODEL_TYPES = {"mlp": "MLP", "cnn": "SimpleConvNet"}

#: The options that shape one model only, and the setting of its network each sets (in its config).
MODEL_OPTIONS = {
    "mlp": {"--hidden": "hidden_sizes", "--activation": "activation", "--dropout": "dropout",
            "--batchnorm": "batchnorm", "--weight-decay": "weight_decay"},
    "cnn": {"--filters": "filter_num", "--filter-size": "filter_size", "--pad": "pad", "--stride": "stride",
            "--hidden-size": "hidden_size"},
}

#: Schedule settings that, when left out, the run gives: a schedule's
#: total_epochs (cosine's) is the run's number of epochs, so its rate falls
#: to min_lr just after the last epoch. Other settings (step_size, gamma,
#: decay) are a choice no run implies, and stay required.
SCHEDULE_SETTINGS_FROM_THE_RUN = ("total_epochs",)


def add_parser(subparsers):
    parser = add_command(subparsers, "train", __doc__, "train a network on a data set")
    data = parser.add_argument_group("data")
    data.add_argument("--dataset", help=f"{DATASET_HELP} (default: {CHECKED_DEFAULTS['dataset']})")
    data.add_argument("--data-home", default=None, metavar="DIR", help=DATA_HOME_HELP)
    data.add_argument("--validation-fraction", type=arguments.fraction, metavar="F",
                      help="hold out this fraction of the training data to measure val_loss and "
                           "val_accuracy after every epoch (default: 0, none)")
    network = parser.add_argument_group("network")
    network.add_argument("--model", type=lowercase, choices=tuple(MODEL_TYPES),
                         help="mlp: a multilayer perceptron; cnn: the book's convolutional network "
                              "(SimpleConvNet) (default: mlp)")
    network.add_argument("--hidden", type=arguments.sizes, default=None, metavar="SIZES",
                         help="hidden layer widths, comma-separated, e.g. 100,100 (default: by data set)")
    network.add_argument("--activation", type=lowercase, choices=("relu", "sigmoid", "tanh"),
                         help="activation function of the hidden layers (default: relu)")
    network.add_argument("--init", default=None, metavar="NAME",
                         help="weight initialisation: he (alias kaiming), xavier, he_uniform, xavier_uniform or a "
                              "standard deviation such as 0.01 (default: he for relu, xavier otherwise)")
    network.add_argument("--dropout", type=arguments.fraction, default=None, metavar="RATIO",
                         help="dropout ratio after each hidden layer (default: by data set)")
    network.add_argument("--batchnorm", action="store_true", default=None,
                         help="add batch normalisation to the hidden layers")
    network.add_argument("--weight-decay", type=arguments.non_negative_float, metavar="LAMBDA",
                         help="L2 penalty lambda/2 * sum(W**2) added to the loss (default: 0)")
    network.add_argument("--filters", type=arguments.positive_int, default=None, metavar="N",
                         help="cnn: number of convolution filters (default: 30)")
    network.add_argument("--filter-size", type=arguments.positive_int, default=None, metavar="N",
                         help="cnn: height and width of each filter (default: by data set)")
    network.add_argument("--pad", type=arguments.non_negative_int, default=None, metavar="N",
                         help="cnn: zeros added around each image before the convolution (default: by data set)")
    network.add_argument("--stride", type=arguments.positive_int, default=None, metavar="N",
                         help="cnn: step of the filters over the image (default: 1)")
    network.add_argument("--hidden-size", type=arguments.positive_int, default=None, metavar="N",
                         help="cnn: width of the affine layer after the pooling (default: 100)")
    network.add_argument("--dtype", type=lowercase, choices=("float32", "float64"),
                         help="float type of the weights and computations (float32 is about twice as fast) "
                              "(default: float32)")
    training = parser.add_argument_group("training")
    training.add_argument("--optimizer", metavar="NAME", help="see: minidl optimizers (default: adam)")
    training.add_argument("--lr", type=arguments.positive_float, default=None,
                          help="learning rate (default: the optimizer's default)")
    training.add_argument("--optimizer-param", type=arguments.key_value, action="append", metavar="NAME=VALUE",
                          help="any other hyperparameter of the optimizer, e.g. momentum=0.95 (repeatable)")
    training.add_argument("--schedule", default=None, metavar="NAME",
                          help="learning-rate schedule: step, exponential, cosine or inverse-time")
    training.add_argument("--schedule-param", type=arguments.key_value, action="append", metavar="NAME=VALUE",
                          help="a setting of the schedule, e.g. step_size=10 or gamma=0.5 (repeatable); "
                               "cosine's total_epochs defaults to the run's --epochs")
    training.add_argument("--epochs", type=arguments.positive_int, default=None,
                          help="total number of epochs (default: by data set)")
    training.add_argument("--batch-size", type=arguments.positive_int, default=None,
                          help="samples per step (default: by data set)")
    training.add_argument("--seed", type=arguments.non_negative_int,
                          help="seed of the initial weights, dropout masks, batch order and validation split "
                               "(default: 0)")
    training.add_argument("--early-stopping", type=arguments.positive_int, default=None, metavar="PATIENCE",
                          help="stop after PATIENCE epochs without a lower val_loss and keep the best "
                               "weights (needs --validation-fraction)")
    files = parser.add_argument_group("files")
    files.add_argument("--save", default=None, metavar="MODEL.npz", help="save the trained model here")
    files.add_argument("--history", default=None, metavar="FILE",
                       help="save the history: .csv (one row per epoch) or .json (also every step's loss)")
    files.add_argument("--checkpoint", default=None, metavar="FILE.npz",
                       help="write a checkpoint here after every epoch (atomically); with --resume it defaults "
                            "to the resumed file. It holds the last epoch trained: after early stopping, the "
                            "best epoch's weights are in the model saved with --save")
    files.add_argument("--overwrite", action="store_true",
                       help="let a new run replace an existing --checkpoint file, or a --save / --history file that "
                            "is not minidl's (refused otherwise)")
    files.add_argument("--resume", default=None, metavar="FILE.npz",
                       help="continue the run saved in this checkpoint; its network, optimizer, data set, "
                            "early stopping and settings are used (the options that set them are refused), "
                            "and --epochs is the new total")
    arguments.add_threads_option(parser)
    parser.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1,
                        help="0: quiet, 1: progress bar (one line per epoch when not a terminal), "
                             "2: one line per epoch")
    parser.add_argument("-q", "--quiet", dest="verbose", action="store_const", const=0, default=argparse.SUPPRESS,
                        help="same as --verbose 0")
    return parser


def run(args):
    typed = _typed_options(args)
    for name, value in CHECKED_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.resume and args.checkpoint is None:
        args.checkpoint = args.resume  # a resumed run goes on saving where it left off
    _check_output_paths(args)
    outputs = [("--save", args.save), ("--history", args.history),
               ("--resume" if args.resume and same_file(args.checkpoint or "", args.resume) else "--checkpoint",
                args.checkpoint)]
    with hold_outputs(outputs):  # for the whole run: a second run on one of these files is refused now (minidl.locks)
        _check_fresh_outputs(args)
        return _train(args, typed)


def _train(args, typed):
    """Build (or resume) the run, train it, report and save; the outputs are checked and held."""
    if args.resume:
        trainer = _resumed_trainer(args, typed)
        settings = trainer.metadata
        print(f"resumed from {args.resume} after epoch {trainer.epoch}", flush=True)
        with data_home(args.data_home):
            train, validation_data, test = _load_data(settings, _takes_images(trainer.network))
    else:
        _refuse_options_of_the_other_model(args.model, typed)
        hyperparameters = _hyperparameters(args)  # checked before loading the data, which can take a while
        settings = {"dataset": args.dataset, "validation_fraction": args.validation_fraction, "split_seed": args.seed,
                    "early_stopping": args.early_stopping}
        with data_home(args.data_home):
            train, validation_data, test = _load_data(settings, images=args.model == "cnn")
        trainer = _new_trainer(args, hyperparameters, _callbacks(args.early_stopping), train, test)
        trainer.metadata = settings
    (x_train, t_train), (x_test, t_test) = train, test
    if settings.get("early_stopping") and validation_data is None:
        if args.resume:  # the split is the checkpoint's, which --resume keeps
            raise ValueError(f"--early-stopping watches the validation loss, and checkpoint {args.resume!r} was "
                             "trained without a validation split, which --resume cannot add; start a new run with "
                             f"--validation-fraction 0.1 --early-stopping {settings['early_stopping']}")
        raise ValueError("--early-stopping watches the validation loss: add --validation-fraction 0.1")

    print(_header(settings["dataset"], len(x_train), len(x_test), trainer), flush=True)
    epochs_before = trainer.epoch
    start = time.perf_counter()
    trainer.fit(x_train, t_train, validation_data=validation_data)
    seconds = time.perf_counter() - start

    _, accuracy = evaluate(trainer.network, x_test, t_test)
    correct = round(accuracy * len(x_test))
    restored = _restored_epoch(trainer)
    print(f"test accuracy {100 * accuracy:.2f} % ({correct}/{len(x_test)}) after "
          f"{_epochs_done(trainer, restored, epochs_before)}, trained in {seconds:.1f} s "
          f"on {_threads(trainer.threads_in_effect)}")
    if restored is not None and args.checkpoint:
        best = f"is in {args.save}" if args.save else "is kept only in a model saved with --save MODEL.npz"
        print(f"checkpoint {args.checkpoint} holds epoch {trainer.epoch}, the last trained (to resume from); "
              f"the best, epoch {restored}, {best}")
    failures = []  # a save that fails (a disk filled during training) still keeps the work, elsewhere
    if args.save:
        metadata = {key: settings.get(key) for key in MODEL_METADATA}
        failures += _save("model", lambda path: save_model(trainer.network, path, metadata=metadata,
                                                                 overwrite=args.overwrite), args.save)
    if args.history:
        failures += _save("history", trainer.history.save, args.history)
    if failures:
        raise OSError("; ".join(failures))
    return 0


def _save(what, save, path):
    """Save to ``path`` (or to a fallback file, said in the returned list of failures)."""
    replaced = os.path.exists(path)
    written, error = save_or_rescue(save, path)
    if error is None:
        print(f"{what} saved to {path}" + (", replacing the earlier file there" if replaced else ""))
        return []
    reason = os.strerror(error.errno) if getattr(error, "errno", None) else error
    return [f"could not save the {what} to {path!r} ({reason}); it was saved to {str(written)!r} instead"]


#: What a model saved by --save records of its training data: enough for
#: "minidl evaluate" to load the same data set and tell how it was split.
MODEL_METADATA = ("dataset", "validation_fraction", "split_seed")


def _callbacks(patience):
    return [EarlyStopping("val_loss", patience=patience)] if patience else []


def _restored_epoch(trainer):
    """The epoch whose weights early stopping put back, if not the last one; else None."""
    for callback in trainer.callbacks:
        best = callback.best_epoch if isinstance(callback, EarlyStopping) and callback.restore_best_weights else None
        if best is not None and best != trainer.epoch:
            return best
    return None


def _epochs_done(trainer, restored, epochs_before=0):
    """E.g. "31 epochs (stopped early; best epoch 25 restored)" or "40 epochs (10 in this run)"."""
    notes = []
    if epochs_before:
        notes.append(f"{trainer.epoch - epochs_before} in this run")
    if trainer.epoch < trainer.epochs:
        notes.append("stopped early")
    if restored is not None:
        notes.append(f"best epoch {restored} restored")
    text = f"{trainer.epoch} epoch{'s' if trainer.epoch != 1 else ''}"
    return f"{text} ({'; '.join(notes)})" if notes else text


def _threads(count):
    return f"{count} BLAS thread{'s' if count != 1 else ''}"


def _hyperparameters(args):
    """The optimizer's and the schedule's settings from the command line, checked: two dicts."""
    optimizer_params = arguments.pairs_to_dict(args.optimizer_param, "optimizer parameter")
    optimizer_class = optim.available().get(args.optimizer.lower())  # unknown names: the Trainer says so
    if optimizer_class is not None:
        arguments.check_numbers(optimizer_params, "--optimizer-param ", optimizer_class)
    if args.lr is not None:
        if "lr" in optimizer_params:
            raise ValueError("the learning rate is given twice (--lr and --optimizer-param lr=...); give it once")
        optimizer_params["lr"] = args.lr
    schedule_params = arguments.pairs_to_dict(args.schedule_param, "schedule parameter")
    if schedule_params and not args.schedule:
        raise ValueError("--schedule-param needs --schedule NAME (step, exponential, cosine or inverse-time)")
    if args.schedule:
        arguments.check_numbers(schedule_params, "--schedule-param ")
        schedule_class = optim.schedules.schedule_class(args.schedule)  # an unknown name: the known ones are listed
        for setting in SCHEDULE_SETTINGS_FROM_THE_RUN:
            if setting in inspect.signature(schedule_class).parameters:
                schedule_params.setdefault(setting, args.epochs or _dataset_defaults(args.dataset, args.model)["epochs"])
        try:
            optim.get_schedule(args.schedule, **schedule_params)
        except ValueError as error:
            message = f"--schedule {args.schedule}: {error} (on the command line: --schedule-param NAME=VALUE)"
            raise ValueError(message) from error
    return optimizer_params, schedule_params


def _dataset_defaults(dataset, model="mlp"):
    """The settings of :data:`DEFAULTS` (:data:`CNN_DEFAULTS` for ``model="cnn"``) for ``dataset``."""
    return (CNN_DEFAULTS if model == "cnn" else DEFAULTS)["digits" if dataset.strip().lower() == "digits" else "large"]


def _new_trainer(args, hyperparameters, callbacks, train, test):
    defaults = _dataset_defaults(args.dataset, args.model)
    (x_train, t_train), (_, t_test) = train, test
    output_size = int(max(t_train.max(), t_test.max())) + 1
    network = (_new_convnet if args.model == "cnn" else _new_mlp)(args, defaults, x_train, output_size)
    optimizer_params, schedule_params = hyperparameters
    trainer = Trainer(
        network, args.optimizer, optimizer_params,
        epochs=args.epochs or defaults["epochs"],
        batch_size=args.batch_size or defaults["batch_size"],
        seed=args.seed,
        schedule=args.schedule, schedule_params=schedule_params,
        callbacks=callbacks, checkpoint=args.checkpoint, verbose=args.verbose, threads=args.threads,
        overwrite=args.overwrite,
    )
    return trainer


def _new_mlp(args, defaults, x_train, output_size):
    weight_init = args.init or ("he" if args.activation == "relu" else "xavier")
    return MLP(
        input_size=x_train.shape[1],
        hidden_sizes=args.hidden if args.hidden is not None else defaults["hidden"],
        output_size=output_size,
        activation=args.activation,
        weight_init=_number_or_name(weight_init),
        weight_decay=args.weight_decay,
        dropout=args.dropout if args.dropout is not None else defaults["dropout"],
        batchnorm=args.batchnorm,
        dtype=args.dtype,
        seed=args.seed,
    )


def _new_convnet(args, defaults, x_train, output_size):
    """The book's SimpleConvNet for images ``x_train`` of shape (N, channels, height, width)."""
    chosen = lambda option, name: getattr(args, option) if getattr(args, option) is not None else defaults[name]  # noqa: E731
    conv_param = {"filter_num": chosen("filters", "filter_num"), "filter_size": chosen("filter_size", "filter_size"),
                  "pad": chosen("pad", "pad"), "stride": chosen("stride", "stride")}
    try:
        return SimpleConvNet(input_dim=x_train.shape[1:], conv_param=conv_param,
                             hidden_size=chosen("hidden_size", "hidden_size"), output_size=output_size,
                             weight_init=_number_or_name(args.init or "he"), dtype=args.dtype, seed=args.seed)
    except ValueError as error:
        if "pooling" not in str(error):
            raise
        height, width = x_train.shape[2:]
        raise ValueError(f"--filter-size {conv_param['filter_size']} with --pad {conv_param['pad']} and --stride "
                         f"{conv_param['stride']} leaves too little of the {height}x{width} images for the 2x2 "
                         "pooling; use a smaller --filter-size or a larger --pad") from None


def _takes_images(network):
    """Whether ``network`` takes samples as images (channels, height, width) rather than flat rows."""
    return len(getattr(network, "input_shape", ())) > 1


def _refuse_options_of_the_other_model(model, typed, resumed=None):
    """Refuse an option that shapes the other model's network (--hidden with --model cnn, --filters without).

    ``resumed`` is the checkpoint of a resumed run, whose model --model cannot
    change: the fix offered is then a new run, not ``--model``.
    """
    for other, options in MODEL_OPTIONS.items():
        given = [option for option in options if option[2:].replace("-", "_") in typed]
        if other == model or not given:
            continue
        own = ", ".join(MODEL_OPTIONS[model])
        them = "it" if len(given) == 1 else "them"
        fix = (f"add --model {other}" if resumed is None else
               f"start a new run with --model {other} (--resume {resumed} continues a --model {model} run)")
        raise ValueError(f"{', '.join(given)} {'sets' if len(given) == 1 else 'set'} the network of --model {other}, "
                         f"not of --model {model} (whose network options are {own}, --init and --dtype); drop {them}, "
                         f"or {fix}")


def _typed_options(args):
    """The names of the options typed on the command line, before :func:`run` fills in defaults.

    Every option a resumed run checks against the checkpoint parses to None
    when left out (their defaults are :data:`CHECKED_DEFAULTS` or chosen by
    data set), so a value that is not None was typed.
    """
    return {name for name, value in vars(args).items() if value is not None}


def _resumed_trainer(args, typed):
    state = load_checkpoint(args.resume)
    trainer_part = state.get("trainer") if isinstance(state, dict) else None
    saved = trainer_part.get("metadata") if isinstance(trainer_part, dict) else None
    saved_patience = saved.get("early_stopping") if isinstance(saved, dict) else None
    # Early stopping is rebuilt before the restore, so that its saved state (best loss,
    # patience used up, best weights) is loaded into it, as if the run had never stopped.
    patience = args.early_stopping or saved_patience
    trainer = build_trainer(Trainer, state, args.resume, epochs=args.epochs, callbacks=_callbacks(patience),
                            checkpoint=args.checkpoint, verbose=args.verbose, threads=args.threads)
    if "dataset" not in trainer.metadata:
        raise ValueError(f"checkpoint {args.resume!r} was not written by 'minidl train'; resume it from Python")
    trainer.metadata["early_stopping"] = patience
    _refuse_options_a_resume_ignores(args, trainer, typed)  # before "finished": one round of errors, not two
    if trainer.epoch >= trainer.epochs:
        asked = (f"has trained {trainer.epoch} epochs, and --epochs {args.epochs} asks for no more" if args.epochs
                 else f"already finished its {trainer.epochs} epochs")
        raise ValueError(f"checkpoint {args.resume!r} {asked}; pass --epochs N with N > {trainer.epoch} "
                         "(the new total) to train longer")
    if trainer.schedule is not None:
        try:  # fit() checks too; here the fix can be one a resumed run allows
            check_schedule(trainer.schedule, trainer.initial_lr, trainer.epoch, trainer.epochs)
        except ValueError:
            raise ValueError(
                f"checkpoint {args.resume!r} keeps its learning-rate schedule {trainer.schedule!r}, which gives "
                f"no usable rate within {trainer.epochs} epochs, and --resume cannot change it; train a new run "
                f"with --epochs {trainer.epochs} (a cosine schedule then spans them)"
            ) from None
    return trainer


#: Option -> the setting of minidl.training.resume.saved_settings it asks for, in the order messages name them.
RESUMED_SETTINGS = {
    "--dataset": "dataset", "--validation-fraction": "validation_fraction", "--seed": "seed", "--model": "network",
    "--hidden": "hidden_sizes", "--activation": "activation", "--init": "weight_init", "--dropout": "dropout",
    "--batchnorm": "batchnorm", "--weight-decay": "weight_decay", "--filters": "filter_num",
    "--filter-size": "filter_size", "--pad": "pad", "--stride": "stride", "--hidden-size": "hidden_size",
    "--dtype": "dtype", "--optimizer": "optimizer", "--lr": "lr", "--schedule": "schedule",
    "--schedule-param": "schedule_params", "--batch-size": "batch_size",
}


def _refuse_options_a_resume_ignores(args, trainer, typed):
    """Refuse options that ask for other settings than the checkpoint's, which a resumed run would ignore.

    ``typed`` names the options given on the command line, default values
    included (``--optimizer adam`` on a run saved with SGD is refused);
    those that repeat the checkpoint's own settings (the same command again,
    with --resume added) are fine. The policy is :mod:`minidl.training.resume`:
    here the options become its settings, and its conflicts options again.
    An option of the other model than the checkpoint's is refused after.
    """
    saved = saved_settings(trainer)
    model = next((name for name, kind in MODEL_TYPES.items() if kind == saved["network"]), None)
    other_models = {option for name, options in MODEL_OPTIONS.items() if name != model for option in options}
    requested = {setting: _requested(args, option, saved) for option, setting in RESUMED_SETTINGS.items()
                 if option[2:].replace("-", "_") in typed and option not in other_models}
    requested["optimizer_params"] = arguments.pairs_to_dict(args.optimizer_param, "optimizer parameter")
    option_of = {setting: option for option, setting in RESUMED_SETTINGS.items()}
    ignored = []
    for conflict in resume_conflicts(saved, requested):
        if conflict.key is not None:  # one hyperparameter of --optimizer-param
            ignored.append(f"--optimizer-param {conflict.key}={conflict.requested!r} (saved: {conflict.saved!r})")
        elif conflict.setting == "network":
            ignored.append(f"--model {args.model} (saved: {model or conflict.saved})")
        else:
            ignored.append(f"{option_of[conflict.setting]} {_shown(conflict.requested)} "
                           f"(saved: {_shown(conflict.saved)})")
    if ignored:
        them = "it" if len(ignored) == 1 else "them"
        raise ValueError(
            f"--resume {args.resume} continues the saved run with its own settings, so {', '.join(ignored)} "
            f"would be ignored: drop {them}, or start a new run to change {them} (with --resume, --epochs, "
            "--early-stopping, --checkpoint, --save, --history, --data-home, --threads and --verbose apply)"
        )
    if model is not None:
        _refuse_options_of_the_other_model(model, typed, resumed=args.resume)


def _requested(args, option, saved):
    """The value of ``option`` on the command line, written as :func:`saved_settings` writes the setting."""
    if option == "--dataset":
        return args.dataset.strip().lower()
    if option == "--model":
        return MODEL_TYPES[args.model]
    if option == "--init":
        return args.init and _number_or_name(args.init.lower())
    if option in ("--optimizer", "--schedule"):
        value = getattr(args, option[2:])
        return value and value.lower()
    if option == "--schedule-param":
        return _schedule_params_as_saved(args, saved["schedule_params"])
    return getattr(args, option[2:].replace("-", "_"))


def _schedule_params_as_saved(args, saved):
    """The --schedule-param settings typed, with those the run gave (total_epochs) taken as saved.

    The command that started the run, repeated with --resume, then matches
    the checkpoint, whatever --epochs now says.
    """
    typed = arguments.pairs_to_dict(args.schedule_param, "schedule parameter")
    given_by_the_run = {name: saved[name] for name in SCHEDULE_SETTINGS_FROM_THE_RUN if name in saved}
    return {**given_by_the_run, **typed}


def _shown(value):
    """A setting as typed on the command line: 100,100 for hidden sizes, k=v for settings."""
    if isinstance(value, tuple):
        return ",".join(map(str, value)) or "none"
    if isinstance(value, dict):
        return ",".join(f"{key}={item!r}" for key, item in value.items()) or "none"
    return "none" if value is None else str(value)


def _header(dataset, training_samples, test_samples, trainer):
    """What is about to be trained, in lines that fit an 80-column terminal."""
    lines = [f"{dataset}: {training_samples} training, {test_samples} test samples",
             f"network {trainer.network.describe()}, optimizer {trainer.optimizer!r}"]
    return "\n".join(textwrap.fill(line, width=80, subsequent_indent="    ", break_on_hyphens=False)
                     for line in lines)


def _load_data(settings, images=False):
    """Training, validation (or None) and test data, split as recorded in ``settings``.

    ``images``: samples as (N, 1, height, width), for a convolutional
    network; else flat rows (N, height * width).
    """
    (x_train, t_train), test = load_dataset(settings["dataset"], flatten=not images)
    validation = None
    if settings["validation_fraction"] > 0:
        (x_train, t_train), validation = train_val_split(
            x_train, t_train, val_size=settings["validation_fraction"], seed=settings["split_seed"])
    return (x_train, t_train), validation, test


def _check_output_paths(args):
    """Refuse bad output paths before training, not after minutes of it: each is tried, and no two are one file."""
    if args.history and not args.history.lower().endswith((".csv", ".json")):
        raise ValueError(f"--history {args.history!r}: use a file name ending in .csv or .json")
    if args.save and args.save.lower().endswith(".onnx"):  # --save writes minidl's .npz, whatever the name
        raise ValueError(f"--save {args.save!r}: --save writes a minidl .npz model; save to "
                         f"{args.save[:-5]}.npz, then run: minidl export {args.save[:-5]}.npz {args.save}")
    outputs = [(option, path) for option, path in
               (("--save", args.save), ("--history", args.history), ("--checkpoint", args.checkpoint))
               if path is not None]
    for index, (option, path) in enumerate(outputs):
        kind, named = "history" if option == "--history" else "archive", option
        if option == "--checkpoint" and args.resume and same_file(path, args.resume):
            kind = None  # the file read by --resume: reading it says what is wrong with it, not --overwrite
            named = "--resume"  # the option typed (--checkpoint defaults to it): "--resume 'runs' is a folder"
        check_output_folder(path, named, kind, args.overwrite)
        for other_option, other_path in outputs[:index]:
            if same_file(path, other_path):
                raise ValueError(f"{other_option} {other_path!r} and {option} {path!r} are the same file, "
                                 "so one would overwrite the other; give each its own file name")


def _check_fresh_outputs(args):
    """Refuse to let this new run replace an earlier run's checkpoint (once the outputs are held: see run)."""
    held = describe_existing(args.save) if args.save is not None and not args.overwrite else None
    if held is not None and held.startswith("a minidl checkpoint"):  # a model would replace a resumable run
        check_fresh_output(args.save, args.overwrite, "--save", f"continue it with --resume {args.save}")
    if args.checkpoint is not None and not args.resume:  # a new run: an earlier run's checkpoint is kept
        check_fresh_output(args.checkpoint, args.overwrite, "--checkpoint", f"continue it with --resume {args.checkpoint}")


def _number_or_name(text):
    try:
        return float(text)
    except ValueError:
        return text
