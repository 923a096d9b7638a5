"""The layers of a network: an ordered dict whose keys are fixed.

The book "Deep Learning from Scratch" keeps a network's layers in an
``OrderedDict`` and replaces one with ``net.layers["Relu1"] = LeakyReLU()``.
In a plain dict a key the network does not have would silently *append* a
layer after the last one (after the class scores), and training would go on,
worse, with nothing said. :class:`Layers` refuses that with the keys there
are, and checks that a replacement has the parameters of the layer it
replaces.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from minidl.layers.protocol import check_layer_methods, param_names, state_names


class Layers(OrderedDict):
    """A network's layers, name -> layer, in order; a key can be given a new layer but not added.

    The book replaces a layer with ``net.layers["Relu1"] = LeakyReLU()``; in a
    plain dict a key the network does not have would silently *append* a
    layer after the last one. Here it is refused with the keys there are.
    The replacement takes over the replaced layer's parameters: it must have
    parameters of the same names and shapes, whose values are copied into
    the network's (and the replacement's attributes then point at them).
    """

    def __init__(self, items=(), rng=None):
        super().__init__()
        self.rng = rng
        for name, layer in items:
            OrderedDict.__setitem__(self, name, layer)

    def _refuse(self, what):
        raise TypeError(f"a network's layers cannot {what}: their number and order are the architecture; "
                        f"build a new minidl.Sequential for another one (the layers are {list(self)})")

    def __setitem__(self, name, layer):
        if name not in self:
            raise KeyError(
                f"this network has no layer {name!r}, so assigning one would add a layer after the last instead of "
                f"replacing one; its layers are {list(self)}: replace one of those, or build a new minidl.Sequential"
            )
        old = self[name]
        check_layer_methods(layer, name)
        old_params, new_params = param_names(old), param_names(layer)
        old_shapes = [getattr(old, attribute).shape for attribute in old_params]
        new_shapes = [np.shape(getattr(layer, attribute)) for attribute in new_params]
        if old_params != new_params or old_shapes != new_shapes or state_names(old) != state_names(layer):
            raise ValueError(
                f"layer {name!r} has parameters {_listing(old_params, old_shapes)}, its replacement "
                f"{type(layer).__name__} has {_listing(new_params, new_shapes)}: a replacement must have parameters "
                "of the same names and shapes; build a new minidl.Sequential for another architecture"
            )
        for attribute in new_params + state_names(layer):
            target = getattr(old, attribute)
            np.copyto(target, getattr(layer, attribute))
            setattr(layer, attribute, target)
        if isinstance(getattr(layer, "rng", None), np.random.Generator) and self.rng is not None:
            layer.rng = self.rng
        OrderedDict.__setitem__(self, name, layer)

    def __delitem__(self, name):
        self._refuse("be deleted")

    def pop(self, *args):
        self._refuse("be removed")

    def popitem(self, last=True):
        self._refuse("be removed")

    def clear(self):
        self._refuse("be removed")

    def setdefault(self, name, default=None):
        if name in self:
            return self[name]
        self[name] = default  # refused, with the message naming the keys

    def move_to_end(self, name, last=True):
        self._refuse("be reordered")

    def __reduce__(self):
        # pickle and copy.deepcopy rebuild through __init__, not through __setitem__.
        return (Layers, (list(self.items()), self.rng))


def _listing(names, shapes):
    return ", ".join(f"{name} {shape}" for name, shape in zip(names, shapes)) or "none"
