"""An optimizer's working memory: its state and scratch arrays, per parameter or laid flat.

Momentum keeps a velocity for every weight, Adam two moving averages; the
rules also need a work array or two to compute into without allocating. The
:class:`Workspace` holds these arrays for the network an optimizer is bound
to, and gives the update loop the ``(param, grad, state, scratch)`` sets to
apply the rule to.

When the network's parameters lie in one buffer (a
:class:`~minidl.flat.FlatArrays`, as ``MLP.params`` does) and the rule is
element-wise, the state and scratch arrays are laid out the same way, and a
step applies the rule *once*, to the whole buffers, instead of once for each
parameter: the same numbers, in far fewer numpy calls (see
``docs/performance.md``). The per-parameter arrays
(``optimizer.state["W1"]["first_moment"]``) are views of the flat ones, so
both ways see the same numbers.
"""

from __future__ import annotations

import weakref

import numpy as np

from minidl.flat import FlatArrays, InPlaceArrays
from minidl.optim.subnormals import flush_subnormals


class Workspace:
    """State slots and scratch arrays for one network's parameters.

    Parameters
    ----------
    params : dict of str -> ndarray
        The parameters the optimizer is bound to.
    slots : tuple of str
        Names of the state arrays a parameter gets (zeros at first).
    scratch_buffers : int
        Number of work arrays a parameter gets (contents unspecified).
    loaded_state : dict
        Parameter name -> slot -> array from ``load_state_dict``, copied into
        the new state after :func:`check_loaded_state`; empty for a fresh start.
    elementwise : bool
        Whether the rule may run over all parameters at once (see
        ``Optimizer.elementwise``). The arrays are laid flat if it is and
        ``params`` is a :class:`~minidl.flat.FlatArrays`.
    owner : str
        The optimizer's class name, for the messages of :class:`Slots`.

    Attributes
    ----------
    laid_flat : bool
        Whether the state and scratch arrays are views of flat buffers in
        the layout of ``params.flat``.
    state : dict
        Parameter name -> :class:`Slots` (slot name -> array of the
        parameter's shape and dtype).
    scratch : dict
        Parameter name -> list of work arrays of the parameter's shape and dtype.
    flat_state, flat_scratch : dict of str -> ndarray, list of ndarray
        When laid flat: the buffers behind ``state`` and ``scratch``.
    """

    def __init__(self, params, slots, scratch_buffers, loaded_state, elementwise, owner="Optimizer"):
        check_loaded_state(loaded_state, params)
        self.owner = owner
        self.laid_flat = elementwise and isinstance(params, FlatArrays)
        if self.laid_flat:
            # The optimizer checks at every step that it gets these very arrays, views of this buffer.
            self._parameters = weakref.ref(params.flat)
            self._layout, self._dtype = params.layout, params.flat.dtype
            self._state_buffers = {slot: params.zeros_like() for slot in slots}
            self._scratch_buffers = [params.empty_like() for _ in range(scratch_buffers)]
            self._gradients = None  # a buffer for gradients given in another form, made when needed
            self._link()
        else:
            # Lazily created, with the parameter's dtype: float32 stays float32.
            self.state = {name: Slots({slot: np.zeros_like(param) for slot in slots}, owner)
                          for name, param in params.items()}
            self.scratch = {name: [np.empty_like(param) for _ in range(scratch_buffers)]
                            for name, param in params.items()}
        for name, saved in loaded_state.items():
            for slot, array in saved.items():
                self.state[name][slot][...] = array

    def _link(self):
        """Derive the per-parameter views and the flat arrays from the flat buffers."""
        names = [name for name, _ in self._layout]
        self.state = {name: Slots({slot: buffer[name] for slot, buffer in self._state_buffers.items()}, self.owner)
                      for name in names}
        self.scratch = {name: [buffer[name] for buffer in self._scratch_buffers] for name in names}
        self.flat_state = Slots({slot: buffer.flat for slot, buffer in self._state_buffers.items()}, self.owner)
        self.flat_scratch = [buffer.flat for buffer in self._scratch_buffers]

    def __getstate__(self):
        # For copy.deepcopy: laid flat, only the buffers are copied and the
        # views derived from them again, so that they stay views of the copy's
        # own buffers whatever order the copy meets them in.
        if not self.laid_flat:
            return self.__dict__
        derived = ("state", "scratch", "flat_state", "flat_scratch")
        return {key: value for key, value in self.__dict__.items() if key not in derived}

    def __setstate__(self, state):
        self.__dict__.update(state)
        if self.laid_flat:
            self._link()

    def arrays(self, params, grads):
        """The ``(param, grad, state, scratch)`` sets a step applies the rule to.

        Laid flat, one set: the buffers of the parameters, the gradients, the
        state and the scratch arrays. Otherwise one set a parameter.
        ``params`` must already be checked to be the bound ones.
        """
        if self.laid_flat:
            return [(self._parameters(), self._flat_gradients(grads), self.flat_state, self.flat_scratch)]
        return [(params[name], grads[name], self.state[name], self.scratch[name]) for name in self.state]

    def _flat_gradients(self, grads):
        """``grads`` as one buffer in the parameters' layout: their own, or a copy into ours."""
        if isinstance(grads, FlatArrays) and grads.layout == self._layout and grads.flat.dtype == self._dtype:
            return grads.flat
        # A plain dict, or another dtype: copy them into a buffer of the parameters' layout.
        if self._gradients is None:
            self._gradients = FlatArrays(self._layout, self._dtype)
        for name, array in self._gradients.items():
            array[...] = grads[name]
        return self._gradients.flat

    def flush_subnormals(self):
        """Set the subnormal values of every state array to zero (see :mod:`minidl.optim.subnormals`)."""
        if self.laid_flat:
            sets = [(self.flat_state, self.flat_scratch)]
        else:
            sets = [(self.state[name], self.scratch[name]) for name in self.state]
        for state, scratch in sets:
            for array in state.values():
                if scratch:
                    flush_subnormals(array, scratch[0])


class Slots(InPlaceArrays):
    """One parameter's state, as ``update_one`` receives it: the arrays named in ``slots``.

    They are created before the first update (zeros of the parameter's
    shape and dtype) and saved by ``state_dict``, so ``update_one`` changes
    them in place (``state["velocity"] *= momentum``). Storing a name the
    optimizer does not declare, or a new array under a declared name, raises
    a ``TypeError`` at once that says what to write instead; otherwise it
    would be lost on the next step or on resume.
    """

    def __init__(self, arrays, owner):
        super().__init__(arrays)
        self.owner = owner

    def _refusal(self, name, change):
        declared = tuple(self)
        if change == "add":
            return (
                f"{self.owner}.update_one stored state {name!r}, which {self.owner} does not declare: add "
                f"slots = {(*declared, name)!r} to the class. minidl then creates it (zeros of the parameter's "
                "shape) before the first update, saves it with state_dict(), and update_one changes it in place"
            )
        if change == "replace":
            return (
                f"cannot replace state[{name!r}]: {self.owner} keeps the state arrays it created (state_dict saves "
                f"them); update it in place instead: state[{name!r}] *= decay, or state[{name!r}][...] = values"
            )
        return f"cannot remove state[{name!r}]: {self.owner} keeps the slots it declares, {declared!r}"


def check_loaded_state(loaded_state, params):
    """After ``load_state_dict``, make sure the saved state fits these parameters."""
    if not loaded_state:
        return
    if loaded_state.keys() != params.keys():
        raise ValueError(
            f"the loaded optimizer state is for parameters {sorted(loaded_state)} but update got "
            f"{sorted(params)}; load the state saved with this same network"
        )
    for name, slots in loaded_state.items():
        for slot, array in slots.items():
            if array.shape != params[name].shape:
                raise ValueError(
                    f"the loaded state {name}/{slot} has shape {array.shape} but params[{name!r}] "
                    f"has shape {params[name].shape}; load the state saved with this same network"
                )
