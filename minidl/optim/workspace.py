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
784-100-100-100-100-10 network, Adam's 12 operations a parameter make 120
calls a step per parameter, 12 laid flat. The per-parameter arrays
(``optimizer.state["W1"]["first_moment"]``) are views of the flat ones, so
both ways see the same numbers.
"""

from __future__ import annotations

import copy

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
    state : dict
        Parameter name -> slot name -> array of the parameter's shape and dtype.
    scratch : dict
        Parameter name -> list of work arrays of the parameter's shape and dtype.
    """

    def __init__(self, params, slots, scratch_buffers, loaded_state, elementwise):
        check_loaded_state(loaded_state, params)
        self.flat = elementwise and isinstance(params, FlatArrays) and params.is_intact()
        if self.flat:
            self.layout, self.dtype = params.layout, params.flat.dtype
            # The network's buffer, which the parameters the binding checked are views of.
            self.flat_params = params.flat
            self._state_buffers = {slot: params.zeros_like() for slot in slots}
            self._scratch_buffers = [params.empty_like() for _ in range(scratch_buffers)]
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
        names = [name for name, _ in self.layout]
        self.state = {name: {slot: buffer[name] for slot, buffer in self._state_buffers.items()} for name in names}
        self.scratch = {name: [buffer[name] for buffer in self._scratch_buffers] for name in names}
        self.flat_state = {slot: buffer.flat for slot, buffer in self._state_buffers.items()}
        self.flat_scratch = [buffer.flat for buffer in self._scratch_buffers]

    def __deepcopy__(self, memo):
        # A copied optimizer must keep its views linked to its own flat
        # buffers, whatever order copy.deepcopy meets them in: copy the
        # buffers, then derive the views again. The network's buffer is not
        # copied, as the binding's weak references are not (the copy still
        # updates the same network), unless the network itself was copied first.
        twin = Workspace.__new__(Workspace)
        memo[id(self)] = twin
        if not self.flat:
            twin.__dict__.update(copy.deepcopy(self.__dict__, memo))
            return twin
        twin.flat, twin.layout, twin.dtype = True, self.layout, self.dtype
        twin.flat_params = memo.get(id(self.flat_params), self.flat_params)
        twin._state_buffers = copy.deepcopy(self._state_buffers, memo)
        twin._scratch_buffers = [buffer.empty_like() for buffer in self._scratch_buffers]
        twin._link()
        return twin

    def work(self, params, grads):
        """The ``(param, grad, state, scratch)`` sets a step applies the rule to.

        One set, the flat buffers, when ``grads`` is an intact FlatArrays in
        the parameters' layout (a hook that rebinds a gradient breaks that,
        and the step quietly goes parameter by parameter); otherwise one set
        a parameter. ``params`` must already be checked to be the bound ones.
        """
        if (self.flat and isinstance(grads, FlatArrays) and grads.layout == self.layout
                and grads.flat.dtype == self.dtype and grads.is_intact()):
            return [(self.flat_params, grads.flat, self.flat_state, self.flat_scratch)]
        return [(param, grads[name], self.state[name], self.scratch[name]) for name, param in params.items()]

    def flush_subnormals(self):
        """Set the subnormal values of every state array to zero (see :mod:`minidl.optim.subnormals`)."""
        if self.flat:
            pairs = [(array, self.flat_scratch) for array in self.flat_state.values()]
        else:
            pairs = [(array, self.scratch[name]) for name, slots in self.state.items() for array in slots.values()]
        for array, scratch in pairs:
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
