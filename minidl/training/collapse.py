"""Noticing a run that has collapsed to chance: it ends, but it learned nothing.

A network of :math:`C` classes that guesses with probability :math:`1/C`
each has the cross-entropy :math:`\\ln C` (2.30 for 10 classes) and an
accuracy of about :math:`1/C`. A run can *collapse* there: too large a
learning rate spikes the loss, the ReLUs of a hidden layer all die (their
inputs are negative for every sample, so no gradient flows through them
again), and what remains is the output layer's biases, which learn the
class frequencies. The loss then sits at :math:`\\ln C`, every sample gets
the same class, and the run reports a test accuracy of 10 % without an
error: the loss is finite and does not grow, so the divergence rule
(:mod:`minidl.training.divergence`) has nothing to say.

The check, at the end of each epoch, asks for five marks at once:

1. the training loss is within 5 % of :math:`\\ln C`;
2. the training accuracy is at most :math:`1.5 / C`;
3. one class is predicted for at least 90 % of the samples;
4. the scores hardly depend on the input: no class score has a standard
   deviation across the samples of 0.05 or more;
5. some step of the run so far had a loss above :math:`2 \\ln C`.

A healthy run's first epochs may meet the first three: a sigmoid network
on a plateau predicts the same class for every digit at a loss of 2.39.
But its scores still follow its inputs (a spread of 0.14 to 0.25 on the
digits after one epoch, for every optimizer at its default rate, with or
without dropout and batch normalisation), whereas in a collapsed network
they do not: 1e-5 to 1e-7 once its ReLUs have died (SGD at ``lr=5``, or
``lr=0.1`` on inputs of 0 to 255), 0.04 and falling with 256 hidden units
of which a few still live.

A collapse follows a spike: the loss of SGD at ``lr=5`` reaches 20 in its
first epoch, and on inputs of 0 to 255 it starts in the thousands. A
network that never left chance (tiny initial weights in a deep network,
as in ``minidl experiment batchnorm``) meets marks 1 to 4 as well, but its
cause is the initialisation, not what this warning names: mark 5 leaves
it out.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from minidl.training.divergence import LARGE_INPUT

#: Mark 1: the loss is within this fraction of ln(classes).
LOSS_TOLERANCE = 0.05
#: Mark 2: the accuracy is at most this many times 1 / classes.
ACCURACY_FACTOR = 1.5
#: Mark 3: the most frequent predicted class covers at least this fraction of the samples.
ONE_CLASS_SHARE = 0.9
#: Mark 4: no class score varies across the samples by a standard deviation of this much (in nats) or more.
SCORE_SPREAD = 0.05
#: Mark 5: some step of the run had a loss above this many times ln(classes).
SPIKE_FACTOR = 2.0
#: Marks 3 and 4 look at this many samples at most.
EVALUATED = 2000


def collapse_message(network, x, metrics, lr, x_train, step_losses):
    """The warning's text if the epoch of ``metrics`` ended at chance (all five marks), else None.

    ``x`` is the (sub)set the metrics were measured on, ``x_train`` the
    training inputs (their scale is named when large), ``step_losses`` the
    run's step losses so far.
    """
    classes = network.output_size
    chance = math.log(classes)
    loss, accuracy = metrics["train_loss"], metrics["train_accuracy"]
    if not (abs(loss - chance) <= LOSS_TOLERANCE * chance and accuracy <= ACCURACY_FACTOR / classes):
        return None  # the cheap marks first: a healthy epoch costs no extra pass
    if max(step_losses, default=0.0) <= SPIKE_FACTOR * chance:
        return None  # never away from chance: a network that has not started, not one that collapsed
    scores = network.predict(x[:EVALUATED])
    share = np.bincount(scores.argmax(axis=1), minlength=classes).max() / max(len(scores), 1)
    spread = float(np.std(scores, axis=0).max()) if len(scores) > 1 else math.inf
    if share < ONE_CLASS_SHARE or spread >= SCORE_SPREAD:
        return None
    input_scale = float(np.max(np.abs(x_train))) if x_train.size else 0.0
    causes = f"likely causes: the learning rate ({lr:g}; try a tenth of it)"
    if input_scale > LARGE_INPUT:
        causes += (f", and the input scale: the inputs reach {input_scale:.3g}; scale them to about [0, 1] "
                   f"(e.g. x / {input_scale:.3g}, or sklearn.preprocessing.StandardScaler)")
    return (f"training collapsed to chance: epoch {metrics['epoch']} ended at a loss of {loss:.3g}, about "
            f"ln({classes}) = {chance:.3g}, and an accuracy of {accuracy:.1%}, about 1/{classes}, with "
            f"{share:.0%} of the samples given one class: the network has stopped learning; {causes}")


def warn_if_at_chance(network, x, metrics, lr, x_train, step_losses):
    """Warn (``UserWarning``) if the epoch of ``metrics`` ended at chance (see the module); return whether it did.

    The trainer stops asking once it has warned, so a long collapsed run warns once, not at every epoch.
    """
    message = collapse_message(network, x, metrics, lr, x_train, step_losses)
    if message is not None:
        warnings.warn(message, UserWarning, stacklevel=4)
    return message is not None
