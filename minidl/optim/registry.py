"""Optimizers by name: ``get("adam", lr=0.01)``, ``register`` and ``available()``.

Every place that lets a user choose an optimizer by name (the training loop,
the command line, the experiments) goes through :func:`get`. A class
decorated with :func:`register` is therefore usable everywhere at once::

    from minidl.optim import Optimizer, register

    @register                      # registered as "signsgd"
    class SignSGD(Optimizer):
        def update_one(self, param, grad, state, scratch):
            np.sign(grad, out=scratch[0])
            scratch[0] *= self.lr
            param -= scratch[0]

    optimizer = get("SignSGD", lr=0.001)
"""

from __future__ import annotations

import inspect

from minidl.optim.base import Optimizer

_REGISTRY: dict[str, type] = {}


def register(name_or_class=None):
    """Class decorator adding an :class:`Optimizer` subclass to the registry.

    Use it as ``@register`` (the name is the class name in lowercase) or as
    ``@register("name")``. Names are case-insensitive. Registering another
    class under a name already taken raises ``ValueError``, except when it is
    the same class defined again (same module and name, as when a notebook
    cell is re-run), which replaces the old definition.
    """

    def decorate(cls, name):
        if not (isinstance(cls, type) and issubclass(cls, Optimizer)):
            raise TypeError(f"only subclasses of minidl.optim.Optimizer can be registered; got {cls!r}")
        key = (cls.__name__ if name is None else name).lower()
        previous = _REGISTRY.get(key)
        redefinition = previous is not None and (previous.__module__, previous.__qualname__) == (
            cls.__module__,
            cls.__qualname__,
        )
        if previous is not None and not redefinition:
            raise ValueError(
                f"the optimizer name {key!r} is already taken by {previous.__module__}.{previous.__qualname__}; "
                "register your class under another name: @register('another-name')"
            )
        _REGISTRY[key] = cls
        return cls

    if isinstance(name_or_class, type):
        return decorate(name_or_class, None)
    if name_or_class is not None and (not isinstance(name_or_class, str) or not name_or_class):
        raise TypeError(f"register takes a class or a non-empty name; got {name_or_class!r}")
    return lambda cls: decorate(cls, name_or_class)


def available():
    """Dict lowercase name -> optimizer class, built-in and user-registered, sorted by name."""
    return dict(sorted(_REGISTRY.items()))


def get(name, **hyperparameters):
    """Build the optimizer called ``name`` (case-insensitive) with ``hyperparameters``.

    Parameters
    ----------
    name : str or Optimizer
        A registered name such as ``"sgd"``, ``"Adam"`` or ``"rmsprop"``. An
        optimizer instance is returned unchanged, so callers can accept either.
    **hyperparameters
        Constructor arguments, e.g. ``lr=0.01``; the rest keep their defaults.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the known ones), a
        hyperparameter the optimizer does not have (the message lists the
        valid ones), or an out-of-range value.
    """
    if isinstance(name, Optimizer):
        if hyperparameters:
            raise ValueError(
                f"got an optimizer instance {name!r} and hyperparameters {hyperparameters}, which "
                "would be ignored; set them when creating the optimizer"
            )
        return name
    if callable(getattr(name, "update", None)):
        # The book's code writes optimizers as any class with update(params, grads); the Trainer also needs
        # their learning rate, and their state in a form a checkpoint can save and restore.
        raise TypeError(
            f"{type(name).__name__} has update(params, grads) but is not a minidl.optim.Optimizer, which the "
            "Trainer needs (for its learning rate, schedules and checkpoints); subclass minidl.optim.Optimizer "
            "and write update_one(param, grad, state, scratch) (see docs/optimizers.md), or call its update in "
            "a loop of your own"
        )
    if not isinstance(name, str):
        raise TypeError(f"an optimizer is chosen by name (a str) or passed as an instance; got {name!r}")
    cls = _REGISTRY.get(name.lower())
    if cls is None:
        raise ValueError(f"unknown optimizer {name!r}; known optimizers: {', '.join(available())}")
    valid = [parameter for parameter in inspect.signature(cls.__init__).parameters if parameter != "self"]
    unknown = sorted(set(hyperparameters) - set(valid))
    if unknown:
        # SGD with momentum=0.9 means another optimizer: name the ones that take the setting.
        having = [other for other, other_cls in available().items() if other_cls is not cls
                  and set(unknown) <= set(inspect.signature(other_cls.__init__).parameters)]
        elsewhere = f"; optimizers that take {', '.join(unknown)}: {', '.join(having)}" if having else ""
        raise ValueError(f"{cls.__name__} has no hyperparameter {unknown}; valid ones: {valid}{elsewhere}")
    return cls(**hyperparameters)
