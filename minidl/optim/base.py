"""The ``Optimizer`` base class: the loop, the state and the checks, once for all.

A concrete optimizer (SGD, Adam, ...) only writes :meth:`Optimizer.update_one`,
the update rule for a single parameter array. Everything around it lives here.
First the update loop: check the gradients, bind to the network, run the
hooks, then apply the rule to each parameter. Below it: the learning rate and
the hooks, saving and restoring the state as plain numpy arrays, and the
hyperparameters and ``repr`` read back from the constructor.
"""

from __future__ import annotations

import inspect
import weakref

import numpy as np

from minidl.optim.subnormals import FLUSH_EVERY
from minidl.optim.workspace import Workspace
from minidl.settings import Integer, check, check_number
from minidl.validation import check_params_and_grads

_TWO_NETWORKS = (
    "this optimizer already updates another network's parameters; "
    "create one optimizer per network (or call reset())"
)


class Optimizer:
    """Base class of every optimizer: ``update(params, grads)`` over dicts of arrays.

    Parameters
    ----------
    lr : float, default 0.01
        Learning rate, > 0. It is a plain attribute the training loop may
        reassign between steps (learning-rate schedules); every optimizer
        uses the current value at each step. The default is the book's SGD
        default; it is what a subclass that writes only ``update_one`` gets.

    Attributes
    ----------
    step_count : int
        Number of updates made so far (Adam's ``t``).
    state : dict
        Parameter name -> dict slot name -> array of the parameter's shape,
        e.g. ``state["W1"]["velocity"]``. Created at the first update.
    hooks : list
        Callables ``hook(params, grads)`` run before every update, in order.

    Notes
    -----
    Writing a new optimizer takes ``update_one(param, grad, state, scratch)``,
    changing ``param`` in place; that alone makes an optimizer with one
    hyperparameter, ``lr``. Then, as the rule needs:

    1. a constructor that calls ``super().__init__(lr)`` and stores each other
       argument under an attribute of the same name (``hyperparameters``,
       ``repr`` and ``load_state_dict`` read them back that way);
    2. ``slots``: the names of the per-parameter state arrays (created as
       zeros before the first update, saved by ``state_dict``; a name not
       declared there is refused when ``update_one`` stores it), and
       ``scratch_buffers``: how many work arrays of the parameter's shape the
       rule needs (never saved).

    Optionally, 3: ``elementwise = True`` when the rule treats every number on
    its own, with no sum or norm over an array (true of all the built-in
    optimizers). The loop may then call ``update_one`` once with all the
    parameters laid end to end in one flat array, when the network keeps
    them so (``MLP.params`` does; see :mod:`minidl.optim.workspace`): the
    same numbers, in far fewer numpy calls.

    Updates are always in place (``param -= ...``): the network's layers hold
    references to the same arrays (a network's ``params`` refuses new ones).
    The built-in rules use numpy's in-place operations (``out=``, ``*=``) on
    the scratch arrays, so a step allocates no memory proportional to the
    number of parameters; :mod:`minidl.optim.reference` gives each rule
    plainly, as its equation.

    **One optimizer, one network.** The first ``update`` binds the optimizer
    to those exact arrays (compared by identity, held by weak reference). A
    later ``update`` with other arrays raises ``ValueError`` instead of
    silently applying one network's momentum to another; ``reset()`` forgets
    the binding and the state.
    """

    #: Names of the per-parameter state arrays a subclass keeps (saved).
    slots: tuple[str, ...] = ()
    #: How many work arrays of the parameter's shape ``update_one`` receives (not saved).
    scratch_buffers: int = 1
    #: Whether ``update_one`` may run on all parameters at once, flattened
    #: into one array. False by default: a rule with a per-array norm (LARS,
    #: LAMB) would change meaning.
    elementwise: bool = False

    def __init__(self, lr=0.01):
        self.lr = lr
        self.hooks = []
        self.reset()

    # ================================================================ the update loop
    def update(self, params, grads):
        """Apply one step to every array in ``params``, in place.

        Parameters
        ----------
        params : dict of str -> ndarray
            The network's parameters, e.g. ``W1, b1, W2, b2``. Changed in place.
        grads : dict of str -> ndarray
            The loss gradient for each parameter: same keys, same shapes.
            Hooks may change these arrays in place (see ``minidl.optim.hooks``).

        Raises
        ------
        TypeError, ValueError
            If the dicts' keys or shapes differ, a gradient holds NaN or
            infinity, or ``params`` belong to another network than the one
            this optimizer updated first. All of this is checked before any
            array changes, so on error the parameters are exactly as before.
        """
        grads = check_params_and_grads(params, grads, grads_must_be_writeable=bool(self.hooks))
        self._bind(params)
        for hook in self.hooks:
            hook(params, grads)
        self.step_count += 1
        # Once a parameter, or once over all of them laid flat (see minidl.optim.workspace).
        for param, grad, state, scratch in self._workspace.arrays(params, grads):
            self.update_one(param, grad, state, scratch)
        if self.step_count % FLUSH_EVERY == 0:
            # Tiny state values slow CPUs down: zero them now and then (see minidl.optim.subnormals).
            self._workspace.flush_subnormals()

    def update_one(self, param, grad, state, scratch):
        """Update one parameter array in place; subclasses implement their rule here.

        Parameters
        ----------
        param : ndarray
            The parameter, changed in place.
        grad : ndarray
            Its gradient (same shape), already processed by the hooks.
        state : dict of str -> ndarray
            This parameter's arrays named in ``slots``, to be updated in place.
        scratch : list of ndarray
            ``scratch_buffers`` work arrays of ``param``'s shape and dtype,
            with unspecified contents.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement update_one(param, grad, state, scratch)")

    def _bind(self, params):
        """Check ``params`` are this optimizer's network, binding to them on the first call."""
        if self._bound is not None:
            same = self._bound.keys() == params.keys() and all(
                reference() is params[name] for name, reference in self._bound.items()
            )
            if not same:
                raise ValueError(f"{_TWO_NETWORKS}; bound to parameters {list(self._bound)}, got {list(params)}")
            return
        # The workspace checks that a loaded state fits these parameters.
        self._workspace = Workspace(params, self.slots, self.scratch_buffers, self._loaded_state, self.elementwise,
                                    owner=type(self).__name__)
        self._loaded_state = {}
        self._bound = {name: weakref.ref(param) for name, param in params.items()}

    # ================================================================ hyperparameters and hooks
    @property
    def lr(self):
        """The learning rate used by the next update (a positive float)."""
        return self._lr

    @lr.setter
    def lr(self, value):
        self._lr = check_number(value, "lr", low=0.0, low_inclusive=False)

    def add_hook(self, hook):
        """Run ``hook(params, grads)`` before every update, after the hooks already added.

        Returns the optimizer, so ``Adam().add_hook(WeightDecay(1e-4))`` is one expression.
        """
        if not callable(hook):
            raise TypeError(f"a hook must be callable as hook(params, grads); got {hook!r}")
        self.hooks.append(hook)
        return self

    def reset(self):
        """Forget the state, the step count and the bound network (keeps hyperparameters and hooks)."""
        self.step_count = 0
        self._loaded_state = {}
        self._workspace = None
        self._bound = None

    @property
    def state(self):
        """Parameter name -> slot name -> array; empty until the first ``update`` (or ``load_state_dict``)."""
        return self._loaded_state if self._workspace is None else self._workspace.state

    # ================================================================ saving and restoring
    def state_dict(self):
        """A snapshot of the optimizer as a flat dict str -> numpy array (no pickle needed).

        Keys: ``"optimizer"`` (the class name), ``"step"`` (the step count),
        ``"hyperparameter/<name>"`` (e.g. the current ``lr``) and
        ``"state/<parameter>/<slot>"`` (copies of the state arrays). Numbers
        are 0-d arrays, so the dict goes straight into
        ``minidl.files.save_npz``. Hooks and scratch arrays are not included.
        """
        snapshot = {"optimizer": np.array(type(self).__name__), "step": np.array(self.step_count, dtype=np.int64)}
        for name, value in self.hyperparameters.items():
            snapshot[f"hyperparameter/{name}"] = np.array(value)
        for name, slots in self.state.items():
            for slot, array in slots.items():
                snapshot[f"state/{name}/{slot}"] = array.copy()
        return snapshot

    def load_state_dict(self, state):
        """Restore a snapshot made by :meth:`state_dict` (also after a save/load round trip).

        The hyperparameters (including ``lr``) are set to the saved values, as
        PyTorch does; the hooks are kept. The optimizer is unbound: the next
        ``update`` binds it to the parameters it receives, after checking that
        their names and shapes match the saved state. Continuing then gives
        bit-for-bit the parameters of a run that never stopped.
        """
        state = dict(state)
        name = type(self).__name__
        if "optimizer" not in state or "step" not in state:
            raise ValueError(
                f"not an optimizer state: keys 'optimizer' and 'step' are missing (got {sorted(state)[:8]}); "
                "pass what Optimizer.state_dict() returned"
            )
        saved_name = str(np.asarray(state.pop("optimizer")))
        if saved_name != name:
            raise ValueError(f"this state was saved by {saved_name}, not {name}; load it into a {saved_name}")
        step = check(np.asarray(state.pop("step"))[()], Integer(0), "state 'step'")
        hyperparameters, slots = {}, {}
        for key, value in state.items():
            kind, _, rest = key.partition("/")
            if kind == "hyperparameter":
                hyperparameters[rest] = np.asarray(value).item()
            elif kind == "state" and rest.rpartition("/")[2] in self.slots:
                parameter, _, slot = rest.rpartition("/")
                array = np.array(value, copy=True)
                if not np.issubdtype(array.dtype, np.floating):
                    raise ValueError(f"state {key!r} must be a floating-point array; got dtype {array.dtype}")
                if not np.isfinite(array).all():
                    # Loaded, it would make the first update NaN, which the trainer would blame on the rate.
                    raise ValueError(f"state {key!r} holds NaN or infinite values, which no {name} update "
                                     "leaves behind; resume from another checkpoint, "
                                     "or start a new run")
                slots.setdefault(parameter, {})[slot] = array
            else:
                raise ValueError(f"unexpected key {key!r} in a {name} state; {name} keeps the slots {list(self.slots)}")
        expected = set(self.hyperparameters)
        if set(hyperparameters) != expected:
            raise ValueError(
                f"a {name} state needs the hyperparameters {sorted(expected)}; got {sorted(hyperparameters)}"
            )
        incomplete = sorted(parameter for parameter, saved in slots.items() if set(saved) != set(self.slots))
        if incomplete:
            raise ValueError(f"the state of parameters {incomplete} lacks some of the slots {list(self.slots)}")
        checked = type(self)(**hyperparameters)  # reuses the constructor's checks
        self.reset()
        for key in hyperparameters:
            setattr(self, key, getattr(checked, key))
        self._loaded_state = slots
        self.step_count = int(step)

    # ================================================================ introspection
    @property
    def hyperparameters(self):
        """Dict of the constructor's arguments and their current values (JSON-able).

        ``type(optimizer)(**optimizer.hyperparameters)`` builds an optimizer
        with the same settings (without the state or the hooks).
        """
        names = [
            parameter.name
            for parameter in list(inspect.signature(type(self).__init__).parameters.values())[1:]
            if parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
        ]
        missing = [name for name in names if not hasattr(self, name)]
        if missing:
            raise TypeError(
                f"{type(self).__name__} does not store its constructor arguments {missing} as "
                "attributes of the same name; optimizers must, so they can be listed and saved"
            )
        return {name: getattr(self, name) for name in names}

    def __repr__(self):
        arguments = ", ".join(f"{name}={value!r}" for name, value in self.hyperparameters.items())
        text = f"{type(self).__name__}({arguments})"
        if self.hooks:
            text += f" with hooks {self.hooks!r}"
        return text
