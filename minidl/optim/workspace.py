"""An optimizer's working memory: its state and scratch arrays, per parameter or laid flat.

Momentum keeps a velocity for every weight, Adam two moving averages; the
rules also need a work array or two to compute into without allocating. The
:class:`Workspace` holds these arrays for the network an optimizer is bound
to, and tells the update loop what to apply the rule to.

When the network's parameters lie in one buffer (a
:class:`~minidl.flat.FlatArrays`, as ``MLP.params`` does) and the rule is
element-wise, the state and scratch arrays are laid out the same way, and a
step applies the rule *once*, to the whole buffers, instead of once for each
parameter. Each numpy call costs about a microsecond before it touches any
number, so for a small network this is several times fewer calls: for the
784-100-100-100-100-10 network, Adam's rule makes 120 numpy calls a step
parameter by parameter, 12 laid flat. The per-parameter arrays
(``optimizer.state["W1"]["first_moment"]``) are views of the flat ones, so
both ways see the same numbers.
"""

from __future__ import annotations

import numpy as np

from minidl.flat import FlatArrays
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
        ``Optimizer.elementwise``). The arrays are laid flat only if it is
        and ``params`` is an intact :class:`~minidl.flat.FlatArrays`.

    Attributes
    ----------
    laid_flat : bool
        Whether the state and scratch arrays are views of flat buffers in
        the layout of ``params.flat``.
    state : dict
        Parameter name -> slot name -> array of the parameter's shape and dtype.
    scratch : dict
        Parameter name -> list of work arrays of the parameter's shape and dtype.
    flat_state, flat_scratch : dict of str -> ndarray, list of ndarray
        When laid flat: the buffers behind ``state`` and ``scratch``.
    """

    def __init__(self, params, slots, scratch_buffers, loaded_state, elementwise):
        check_loaded_state(loaded_state, params)
        self.laid_flat = elementwise and isinstance(params, FlatArrays) and params.is_intact()
        if self.laid_flat:
            self._state_buffers = {slot: params.zeros_like() for slot in slots}
            self._scratch_buffers = [params.empty_like() for _ in range(scratch_buffers)]
            self._names = list(params)
            self._link()
        else:
            # Lazily created, with the parameter's dtype: float32 stays float32.
            self.state = {name: {slot: np.zeros_like(param) for slot in slots} for name, param in params.items()}
            self.scratch = {name: [np.empty_like(param) for _ in range(scratch_buffers)]
                            for name, param in params.items()}
        for name, saved in loaded_state.items():
            for slot, array in saved.items():
                self.state[name][slot][...] = array

    def _link(self):
        """Derive the per-parameter views and the flat arrays from the flat buffers."""
        self.state = {name: {slot: buffer[name] for slot, buffer in self._state_buffers.items()}
                      for name in self._names}
        self.scratch = {name: [buffer[name] for buffer in self._scratch_buffers] for name in self._names}
        self.flat_state = {slot: buffer.flat for slot, buffer in self._state_buffers.items()}
        self.flat_scratch = [buffer.flat for buffer in self._scratch_buffers]

    def __getstate__(self):
        # For copy.deepcopy (and pickle): laid flat, only the buffers are copied
        # and the views derived from them again, so that they stay views of
        # the copy's own buffers whatever order the copy meets them in.
        if not self.laid_flat:
            return self.__dict__
        return {key: self.__dict__[key] for key in ("laid_flat", "_state_buffers", "_scratch_buffers", "_names")}

    def __setstate__(self, state):
        self.__dict__.update(state)
        if self.laid_flat:
            self._link()

    def work(self, params, grads):
        """The ``(param, grad, state, scratch)`` sets a step applies the rule to.

        One set, the flat buffers, when the state is laid flat and ``params``
        and ``grads`` are intact FlatArrays of one layout (a hook that
        rebinds a gradient breaks that, and the step quietly goes parameter
        by parameter); otherwise one set a parameter. ``params`` must already
        be checked to be the bound ones, so ``params.flat`` is the buffer
        behind them.
        """
        if self.laid_flat and isinstance(params, FlatArrays) and params.matches(grads):
            return [(params.flat, grads.flat, self.flat_state, self.flat_scratch)]
        return [(param, grads[name], self.state[name], self.scratch[name]) for name, param in params.items()]

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
