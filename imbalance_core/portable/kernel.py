"""The training kernel: many small networks trained at once, whole epochs per compiled call.

Every path trains through this module: the lab, the compare page (all its strategies together), the
leakage demo, the CLI, and the exported ``reproduce.py``, which carries this file's source. It
depends on NumPy, TensorFlow and Keras only.

How it is fast: the training rows stay in memory as tensors (a shared *pool* of rows, each network
naming its rows by position), one ``tf.function`` runs whole epochs (a ``tf.while_loop`` over epochs
and batches, shuffled with stateless seeded randomness), the training step is compiled by XLA, and
the networks of a group share that loop: their weights are stacked on a leading member axis and
every layer is one batched matmul. A group's networks must have the same shape; they may have
different rows, class weights and losses.
Members with fewer rows simply stop stepping when their epoch is done (a member trained in a group
does exactly the steps it does alone). Between calls the caller sees progress and may stop.

Keras provides the initial weights (its initialisers, seeded per layer), the losses
(``binary_focal_crossentropy`` / ``categorical_focal_crossentropy``, the functions behind
``BinaryFocalCrossentropy(apply_class_balancing=True)`` and ``CategoricalFocalCrossentropy``, and the
cross-entropies) and the ``keras.Model`` a trained member is saved as. The optimiser is Adam with
Keras' defaults; it is written out because members of a group must be able to skip a step.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple, Sequence

import keras
import numpy as np
import tensorflow as tf

__all__ = ["Checkpoint", "Member", "Network", "Resume", "Stopped", "Trained", "initial_weights", "keras_model",
           "member_loss", "pool", "predict_proba", "row_loss", "train"]

BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7  # keras.optimizers.Adam's defaults
PR_BINS = 200  # the live PR AUC: average precision over this many probability bins
PREDICT_ROWS = 65_536  # rows per call when predicting (bounds memory on large tables)
EVAL_ROWS = 8_192  # rows per member per slice of the per-epoch scores (bounds memory on large tables) ...
EVAL_PARALLEL = 2  # ... and slices in flight at once (a graph loop runs up to 10 iterations together by default)


@dataclass(frozen=True)
class Network:
    """The shape and training settings every member of a group shares."""

    n_features: int
    n_classes: int
    hidden: tuple[int, ...]
    activation: str = "relu"
    learning_rate: float = 0.01
    epochs: int = 60
    batch_size: int = 32
    patience: int = 0  # stop a member after this many epochs without a better validation PR AUC (0: never)
    l2: float = 0.0  # Keras' ``L2(l2)`` on every dense kernel: l2 x the sum of its squared weights joins the loss
    dropout: float = 0.0  # Keras' ``Dropout(dropout)`` after each hidden layer while training (off at evaluation)

    @property
    def binary(self) -> bool:
        return self.n_classes == 2

    @property
    def n_outputs(self) -> int:
        """One sigmoid output for two classes, one softmax output per class otherwise."""
        return 1 if self.binary else self.n_classes


@dataclass(frozen=True)
class Member:
    """One network to train.

    Attributes
    ----------
    rows : numpy.ndarray of int
        Its training rows, as positions in the pool (repeats allowed: copies).
    seed : int
        Seeds its initial weights (Keras initialisers) and the shuffling of each of its epochs.
    class_weight : tuple of float, optional
        One weight per class, multiplying each row's loss (as Keras' ``class_weight``).
    focal : tuple, optional
        ``(gamma, alpha)`` for focal loss; ``alpha`` is the positive class's weight (two classes)
        or one weight per class. ``None`` trains with plain cross-entropy.
    output_bias : tuple of float, optional
        The output layer's initial bias (e.g. from the class priors); zeros when ``None``.
    """

    rows: np.ndarray
    seed: int
    class_weight: tuple[float, ...] | None = None
    focal: tuple[float, float | tuple[float, ...]] | None = None
    output_bias: tuple[float, ...] | None = None


@dataclass
class Resume:
    """Where a training ended, to train on from there: after ``epoch`` epochs, each member's weights as they were
    then (not its best epoch's), Adam's two moments and its step count (``[members, ...]`` arrays)."""

    epoch: int
    flat: np.ndarray
    m1: np.ndarray
    m2: np.ndarray
    steps: np.ndarray


@dataclass
class Trained:
    """What training left: each member's weights (``[W1, b1, W2, b2, ...]``), per-epoch history, the weights at the
    replay's epochs (``frames``: ``(epoch, [members, parameters])``, epoch 0 the initial weights; empty unless
    asked for) and where to train on from."""

    weights: list[list[np.ndarray]]
    history: list[dict[str, list[float]]]
    seconds: float
    frames: list[tuple[int, np.ndarray]] = field(default_factory=list)
    resume: Resume | None = None


@dataclass
class Checkpoint:
    """Where training stands between two compiled calls: handed to ``on_progress``."""

    epoch: int  # epochs done
    epochs: int
    history: list[dict[str, list[float]]]
    network: Network
    _flat: object

    def weights(self) -> list[list[np.ndarray]]:
        """Each member's weights as they are now."""
        return _unflatten(self._flat, self.network)


class Stopped(Exception):
    """Training was stopped by ``should_stop`` before it finished."""


# --------------------------------------------------------------------------- data


def pool(X: np.ndarray, y: np.ndarray, parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]]
         ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """One pool of rows for several members, and each member's rows as positions in it.

    ``X, y`` are the original training rows. Each part is ``(X_part, y_part, source)``: a member's
    rows, where ``source[i]`` is the original row that row ``i`` is (or copies) and ``-1`` marks a
    new (synthetic) row; ``X_part`` holds every row of the member, or only its new rows. Original rows
    are stored once; new rows are appended.
    """
    new_X, new_y, rows = [], [], []
    size = len(y)
    for X_part, y_part, source in parts:
        source = np.asarray(source)
        synthetic = source < 0
        positions = source.astype(np.int64).copy()
        positions[synthetic] = size + np.arange(int(synthetic.sum()))
        size += int(synthetic.sum())
        X_part = np.asarray(X_part, dtype=np.float32)
        new_X.append(X_part if len(X_part) == int(synthetic.sum()) else X_part[synthetic])
        new_y.append(np.asarray(y_part)[synthetic])
        rows.append(positions)
    X_pool = np.concatenate([np.asarray(X, dtype=np.float32), *new_X]) if new_X else np.asarray(X, np.float32)
    y_pool = np.concatenate([np.asarray(y), *new_y]) if new_y else np.asarray(y)
    return X_pool, y_pool.astype(np.int32), rows


# --------------------------------------------------------------------------- weights


def initial_weights(network: Network, seed: int, output_bias: Sequence[float] | None = None) -> list[np.ndarray]:
    """``[W1, b1, ..., W_out, b_out]``: Glorot-uniform kernels seeded per layer, zero (or given) biases."""
    sizes = (network.n_features, *network.hidden, network.n_outputs)
    weights = []
    for kernel, fan_out in zip(_glorot_kernels(sizes, seed), sizes[1:]):
        weights += [kernel.copy(), np.zeros(fan_out, np.float32)]
    if output_bias is not None:
        weights[-1] = np.asarray(output_bias, np.float32).reshape(network.n_outputs)
    return weights


@functools.lru_cache(maxsize=256)
def _glorot_kernels(sizes: tuple[int, ...], seed: int) -> tuple[np.ndarray, ...]:
    """Keras' Glorot-uniform kernels for these layer sizes, seeded per layer (kept: the same seed gives the same)."""
    seeds = [seed * 100 + i for i in range(len(sizes) - 2)] + [seed * 100 + 99]
    return tuple(np.asarray(keras.initializers.GlorotUniform(seed=s)((fan_in, fan_out)), np.float32)
                 for s, fan_in, fan_out in zip(seeds, sizes, sizes[1:]))


def keras_model(network: Network, weights: Sequence[np.ndarray]) -> keras.Model:
    """A real Keras model holding trained weights (input: the preprocessed features; output: probabilities)."""
    layers: list = [keras.Input(shape=(network.n_features,), name="features")]
    regulariser = keras.regularizers.L2(network.l2) if network.l2 else None
    for units in network.hidden:
        layers.append(keras.layers.Dense(units, activation=network.activation, kernel_regularizer=regulariser))
        if network.dropout:
            layers.append(keras.layers.Dropout(network.dropout))
    layers.append(keras.layers.Dense(network.n_outputs, activation="sigmoid" if network.binary else "softmax",
                                     kernel_regularizer=regulariser))
    model = keras.Sequential(layers)
    model.set_weights([np.asarray(w) for w in weights])
    return model


def _layout(network: Network) -> tuple[tuple[int, int, int], ...]:
    """Where each layer lives in a member's flat parameter vector: ``(offset, fan_in, fan_out)`` per layer.

    A layer's kernel (``fan_in x fan_out``) is followed by its bias (``fan_out``). One flat vector per
    member keeps the compiled loop small: one tensor for the weights and one per Adam moment.
    """
    sizes = [network.n_features, *network.hidden, network.n_outputs]
    layout, offset = [], 0
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        layout.append((offset, fan_in, fan_out))
        offset += fan_in * fan_out + fan_out
    return tuple(layout)


def _flatten(weights: Sequence[Sequence[np.ndarray]]) -> np.ndarray:
    """Members' ``[W1, b1, ...]`` lists as one ``[members, parameters]`` array."""
    return np.stack([np.concatenate([np.asarray(w, np.float32).ravel() for w in member]) for member in weights])


def _unflatten(flat, network: Network) -> list[list[np.ndarray]]:
    """The inverse of :func:`_flatten`."""
    flat = np.asarray(flat)
    members = []
    for row in flat:
        weights = []
        for offset, fan_in, fan_out in _layout(network):
            weights.append(row[offset:offset + fan_in * fan_out].reshape(fan_in, fan_out).copy())
            weights.append(row[offset + fan_in * fan_out:offset + fan_in * fan_out + fan_out].copy())
        members.append(weights)
    return members


# --------------------------------------------------------------------------- the compiled parts
# What a compiled call works on, by name: each structure is one argument (a tuple of tensors, traced as one).


class Shape(NamedTuple):
    """What a group's compiled functions are traced for (Python values): the layers' places in a member's flat
    weights, the activation, two classes or more, whether any member has focal loss, and the regularisation (a
    network without it is traced without its operations)."""

    layout: tuple
    activation: str
    binary: bool
    n_classes: int
    focal: bool = True
    l2: float = 0.0
    dropout: float = 0.0


class Optimiser(NamedTuple):
    """Each member's weights (one flat vector per member: ``[members, parameters]``), Adam's two moments, and the
    steps each member has taken (``[members]``)."""

    flat: Any
    m1: Any
    m2: Any
    steps: Any


class EarlyStop(NamedTuple):
    """Early stopping's state per member: its best weights and validation PR AUC so far, epochs since that best,
    whether it stopped, and the epochs it ran (a resting member counts as stopped from the start)."""

    best_flat: Any
    best_score: Any
    wait: Any
    stopped: Any
    ran: Any


class State(NamedTuple):
    """What one compiled call hands the next."""

    optimiser: Optimiser
    early: EarlyStop


class Rows(NamedTuple):
    """The training rows: the pool (``X``, ``y``), each member's rows as positions in it (``[members, width]``,
    padded), how many each has, and the seed of its shuffles."""

    X: Any
    y: Any
    rows: Any
    n_rows: Any
    seeds: Any


class Losses(NamedTuple):
    """Each member's loss: its class weights (``[members, classes]``), whether it is focal, its gamma and its alpha
    (``[members, classes]``)."""

    class_weight: Any
    is_focal: Any
    gamma: Any
    alpha: Any


class Validation(NamedTuple):
    X: Any
    y: Any


class Schedule(NamedTuple):
    """One compiled call's epochs (``n_epochs`` from ``first_epoch``), the training settings it runs them with, and
    after which of its epochs to keep every member's weights (``snap``: ``[n_epochs]``, for a replay)."""

    first_epoch: Any
    n_epochs: Any
    learning_rate: Any
    batch_size: Any
    patience: Any
    snap: Any


class History(NamedTuple):
    """Per epoch run and member: training loss, PR AUC on the member's rows, validation loss and PR AUC."""

    loss: Any
    pr_auc: Any
    val_loss: Any
    val_pr_auc: Any


class Batch(NamedTuple):
    """One step's rows for every member (``[members, batch, ...]``), which are real, which members step, and with
    dropout each member's seed for this step's masks (``[members, 2]``; None without dropout)."""

    x: Any
    y: Any
    mask: Any
    active: Any
    noise: Any = None


# Every compiled function is traced with ``autograph=False``: its loops and conditions are written as
# ``tf.while_loop`` and ``tf.cond``, so no source is rewritten at trace time (AutoGraph's rewriting of the loop and
# every function it calls was most of a cold process's first trace, where the CLI's toy run and a new worker wait).


def _spec(*shape, dtype=tf.float32) -> tf.TensorSpec:
    return tf.TensorSpec(list(shape), dtype)


_PER_MEMBER = _spec(None, None)  # [members, parameters] (or [members, classes])
_RUN_SIGNATURE = [
    State(Optimiser(_PER_MEMBER, _PER_MEMBER, _PER_MEMBER, _spec(None)),
          EarlyStop(_PER_MEMBER, _spec(None), _spec(None, dtype=tf.int32), _spec(None, dtype=tf.bool),
                    _spec(None, dtype=tf.int32))),
    Rows(_spec(None, None), _spec(None, dtype=tf.int32), _spec(None, None, dtype=tf.int32), _spec(None, dtype=tf.int32),
         _spec(None, dtype=tf.int32)),
    Losses(_PER_MEMBER, _spec(None, dtype=tf.bool), _spec(None), _PER_MEMBER),
    Validation(_spec(None, None), _spec(None, dtype=tf.int32)),
    Schedule(_spec(dtype=tf.int32), _spec(dtype=tf.int32), _spec(), _spec(dtype=tf.int32), _spec(dtype=tf.int32),
             _spec(None, dtype=tf.bool)),
]


def _forward(flat, x, shape: Shape, keep: Sequence | None = None):
    """Probabilities ``[members, rows, outputs]``; ``x`` is ``[members, rows, features]``. ``keep``: while training
    with dropout, one scaled mask per hidden layer (``[members, rows, units]``) that multiplies its output."""
    act = keras.activations.get(shape.activation)
    h = x
    for i, (offset, fan_in, fan_out) in enumerate(shape.layout):
        kernel = tf.reshape(flat[:, offset:offset + fan_in * fan_out], [-1, fan_in, fan_out])
        bias = flat[:, offset + fan_in * fan_out:offset + fan_in * fan_out + fan_out]
        h = tf.einsum("mbf,mfh->mbh", h, kernel) + bias[:, None, :]
        if i < len(shape.layout) - 1:
            h = act(h)
            if keep is not None:
                h = h * keep[i]
    return tf.sigmoid(h) if shape.binary else tf.nn.softmax(h)


def _penalty(flat, shape: Shape):
    """Each member's L2 penalty ``[members]``: ``l2`` x the sum of its squared kernel weights (biases are free), as
    Keras adds a ``kernel_regularizer=L2(l2)`` of every dense layer to the loss."""
    squares = [tf.reduce_sum(tf.square(flat[:, offset:offset + fan_in * fan_out]), axis=1)
               for offset, fan_in, fan_out in shape.layout]
    return shape.l2 * tf.add_n(squares)


def _dropout_masks(noise, rows, shape: Shape) -> list:
    """Keras' ``Dropout(rate)`` while training, per hidden layer: each unit of each row kept with probability
    ``1 - rate`` and scaled by ``1 / (1 - rate)``. Each member draws from its own seed for the step (``noise``):
    a network's masks are the same whether it trains alone or in a group."""
    rate = shape.dropout
    units = [fan_out for _, _, fan_out in shape.layout[:-1]]

    def member(seed):
        return tuple(tf.random.stateless_uniform([rows, n], seed=tf.random.experimental.stateless_fold_in(seed, i))
                     for i, n in enumerate(units))

    drawn = tf.map_fn(member, noise, fn_output_signature=tuple(tf.float32 for _ in units))
    return [tf.cast(u >= rate, tf.float32) / (1.0 - rate) for u in drawn]


def _per_row_loss(y, proba, losses: Losses, shape: Shape):
    """Each row's loss ``[members, rows]``: cross-entropy, or focal loss where ``losses.is_focal``.

    Without focal members (``shape.focal`` false) the focal branch is left out of the graph. The focal loss sees
    probabilities clipped to ``[eps, 1 - eps]``, as the cross-entropy does inside Keras: at a saturated
    output its factor ``(1 - p_t) ** gamma`` would otherwise have an infinite slope (gamma < 1).
    """
    eps = keras.config.epsilon()
    gamma, alpha = losses.gamma, losses.alpha
    if shape.binary:
        target = tf.cast(y, tf.float32)[:, :, None]
        ce = keras.losses.binary_crossentropy(target, proba)
        if not shape.focal:
            return ce
        loss = keras.losses.binary_focal_crossentropy(
            target, tf.clip_by_value(proba, eps, 1.0 - eps), apply_class_balancing=True,
            alpha=alpha[:, None, None, 1], gamma=gamma[:, None, None])
    else:
        target = tf.one_hot(y, shape.n_classes)
        ce = keras.losses.categorical_crossentropy(target, proba)
        if not shape.focal:
            return ce
        loss = keras.losses.categorical_focal_crossentropy(target, tf.clip_by_value(proba, eps, 1.0 - eps),
                                                           alpha=alpha[:, None, :], gamma=gamma[:, None, None])
    return tf.where(losses.is_focal[:, None], loss, ce)


def _histograms(y, proba, weight, shape: Shape):
    """Per member (and class), counts of positive and negative rows per probability bin: ``[2, M, C, BINS]``."""
    n_classes, binary = shape.n_classes, shape.binary
    scores = proba[:, :, :1] if binary else proba  # binary: the positive (second) class is column 0 of the sigmoid
    classes = 1 if binary else n_classes
    truth = tf.one_hot(y, n_classes)[:, :, 1:] if binary else tf.one_hot(y, n_classes)
    bins = tf.clip_by_value(tf.cast(tf.floor(scores * PR_BINS), tf.int32), 0, PR_BINS - 1)
    members = tf.shape(proba)[0]
    ids = (tf.range(members)[:, None, None] * classes + tf.range(classes)[None, None, :]) * PR_BINS + bins
    flat_ids = tf.reshape(ids, [-1])
    w = weight[:, :, None]
    pos = tf.math.unsorted_segment_sum(tf.reshape(truth * w, [-1]), flat_ids, members * classes * PR_BINS)
    neg = tf.math.unsorted_segment_sum(tf.reshape((1.0 - truth) * w, [-1]), flat_ids, members * classes * PR_BINS)
    return tf.reshape(tf.stack([pos, neg]), [2, members, classes, PR_BINS])


def _average_precision(hist):
    """Average precision per member from ``_histograms`` (macro over classes): the live PR AUC."""
    pos, neg = hist[0], hist[1]
    tp = tf.cumsum(pos, axis=-1, reverse=True)  # rows at or above each bin's lower edge
    fp = tf.cumsum(neg, axis=-1, reverse=True)
    total = tp[..., :1]
    precision = tf.math.divide_no_nan(tp, tp + fp)
    recall = tf.math.divide_no_nan(tp, total)
    gained = recall - tf.concat([recall[..., 1:], tf.zeros_like(recall[..., :1])], axis=-1)
    ap = tf.reduce_sum(gained * precision, axis=-1)
    ap = tf.where(total[..., 0] > 0, ap, tf.fill(tf.shape(ap), np.nan))
    return tf.reduce_mean(ap, axis=-1)


def _adam(optimiser: Optimiser, grad, active, learning_rate) -> Optimiser:
    """One Adam step (Keras' formula and defaults) for the members that are ``active``; the others stay put."""
    steps = optimiser.steps + tf.cast(active, tf.float32)
    scale = learning_rate * tf.sqrt(1.0 - tf.pow(BETA_2, steps)) / (1.0 - tf.pow(BETA_1, tf.maximum(steps, 1.0)))
    on = active[:, None]
    m1 = tf.where(on, optimiser.m1 + (grad - optimiser.m1) * (1.0 - BETA_1), optimiser.m1)
    m2 = tf.where(on, optimiser.m2 + (tf.square(grad) - optimiser.m2) * (1.0 - BETA_2), optimiser.m2)
    flat = optimiser.flat
    return Optimiser(tf.where(on, flat - scale[:, None] * m1 / (tf.sqrt(m2) + EPSILON), flat), m1, m2, steps)


def _step_function(shape: Shape):
    """The training step, compiled by XLA into a few fused kernels (about three times faster than running its ~150
    small operations one by one); XLA compiles it once per number of members and batch size."""

    @tf.function(jit_compile=True, autograph=False)
    def step(optimiser: Optimiser, batch: Batch, losses: Losses, learning_rate):
        row_weight = tf.gather(losses.class_weight, batch.y, batch_dims=1) * batch.mask
        keep = _dropout_masks(batch.noise, tf.shape(batch.x)[1], shape) if shape.dropout else None
        with tf.GradientTape() as tape:
            tape.watch(optimiser.flat)
            proba = _forward(optimiser.flat, batch.x, shape, keep)
            per_row = _per_row_loss(batch.y, proba, losses, shape)
            batch_loss = tf.reduce_sum(per_row * row_weight, axis=1) / tf.maximum(tf.reduce_sum(batch.mask, axis=1),
                                                                                  1.0)
            if shape.l2:
                batch_loss += _penalty(optimiser.flat, shape)
            total = tf.reduce_sum(batch_loss)
        grad = tape.gradient(total, optimiser.flat)
        return _adam(optimiser, grad, batch.active, learning_rate), batch_loss

    return step


def _train_epoch(step, optimiser: Optimiser, rows: Rows, losses: Losses, schedule: Schedule, epoch, stopped,
                 shape: Shape):
    """One epoch of every member that has not stopped: its rows shuffled (seeded by its seed and the epoch), then
    batch after batch; a member with fewer rows rests once its epoch is done. Returns the optimiser and each
    member's mean batch loss."""
    batch_size = schedule.batch_size
    members, width = tf.shape(rows.rows)[0], tf.shape(rows.rows)[1]
    steps = (rows.n_rows + batch_size - 1) // batch_size  # per member
    most = tf.reduce_max(steps)
    keys = tf.map_fn(lambda s: tf.random.stateless_uniform([width], seed=tf.stack([s, epoch]), dtype=tf.float32),
                     rows.seeds, fn_output_signature=tf.float32)
    keys = tf.where(tf.range(width)[None, :] < rows.n_rows[:, None], keys, 2.0)  # padding sorts last
    shuffled = tf.gather(rows.rows, tf.argsort(keys, axis=1, stable=True), batch_dims=1)
    shuffled = tf.pad(shuffled, [[0, 0], [0, most * batch_size - width]])

    def batch(s, optimiser, loss_sum):
        start = s * batch_size
        index = shuffled[:, start:start + batch_size]
        mask = tf.cast(start + tf.range(batch_size)[None, :] < rows.n_rows[:, None], tf.float32)
        active = tf.logical_and(s < steps, tf.logical_not(stopped))  # a stopped member rests
        noise = None
        if shape.dropout:  # each member's seed for this step's dropout masks: its seed, the epoch and the step
            noise = tf.map_fn(lambda seed: tf.random.experimental.stateless_fold_in(tf.stack([seed, epoch]), s),
                              rows.seeds, fn_output_signature=tf.int32)
        optimiser, batch_loss = step(optimiser, Batch(tf.gather(rows.X, index), tf.gather(rows.y, index), mask, active,
                                                      noise), losses, schedule.learning_rate)
        return s + 1, optimiser, loss_sum + tf.where(active, batch_loss, 0.0)

    _, optimiser, loss_sum = tf.while_loop(lambda s, *_: s < most, batch,
                                           (tf.constant(0), optimiser, tf.zeros([members])))
    return optimiser, loss_sum / tf.cast(tf.maximum(steps, 1), tf.float32)


def _fit_pr_auc(flat, rows: Rows, shape: Shape):
    """Each member's PR AUC on its own rows, a slice of rows at a time: a whole large table at once would need
    members x rows x width floats per layer."""
    members, width = tf.shape(rows.rows)[0], tf.shape(rows.rows)[1]

    def part(c, hist):
        rows_c = rows.rows[:, c * EVAL_ROWS:(c + 1) * EVAL_ROWS]
        mask = tf.cast(c * EVAL_ROWS + tf.range(tf.shape(rows_c)[1])[None, :] < rows.n_rows[:, None], tf.float32)
        return c + 1, hist + _histograms(tf.gather(rows.y, rows_c), _forward(flat, tf.gather(rows.X, rows_c), shape),
                                         mask, shape)

    parts = (width + EVAL_ROWS - 1) // EVAL_ROWS
    _, hist = tf.while_loop(lambda c, _: c < parts, part,
                            (tf.constant(0), tf.zeros([2, members, 1 if shape.binary else shape.n_classes, PR_BINS])),
                            parallel_iterations=EVAL_PARALLEL)
    return _average_precision(hist)


def _validation_scores(flat, validation: Validation, losses: Losses, shape: Shape):
    """Each member's validation loss and PR AUC (NaN without validation rows), a slice of rows at a time."""
    members, n_val = tf.shape(flat)[0], tf.shape(validation.y)[0]

    def part(c, hist, loss_sum):
        x_part = validation.X[c * EVAL_ROWS:(c + 1) * EVAL_ROWS]
        part_rows = tf.shape(x_part)[0]
        proba = _forward(flat, tf.broadcast_to(x_part[None], [members, part_rows, tf.shape(x_part)[1]]), shape)
        y_part = tf.broadcast_to(validation.y[c * EVAL_ROWS:(c + 1) * EVAL_ROWS][None], [members, part_rows])
        return (c + 1, hist + _histograms(y_part, proba, tf.ones_like(proba[:, :, 0]), shape),
                loss_sum + tf.reduce_sum(_per_row_loss(y_part, proba, losses, shape), axis=1))

    def scores():
        parts = (n_val + EVAL_ROWS - 1) // EVAL_ROWS
        start = (tf.constant(0), tf.zeros([2, members, 1 if shape.binary else shape.n_classes, PR_BINS]),
                 tf.zeros([members]))
        _, hist, loss_sum = tf.while_loop(lambda c, *_: c < parts, part, start, parallel_iterations=EVAL_PARALLEL)
        val_loss = loss_sum / tf.cast(n_val, tf.float32)
        return val_loss + _penalty(flat, shape) if shape.l2 else val_loss, _average_precision(hist)

    return tf.cond(n_val > 0, scores, lambda: (tf.fill([members], np.nan), tf.fill([members], np.nan)))


def _early_stop(early: EarlyStop, flat, val_ap, epoch, schedule: Schedule, n_val) -> EarlyStop:
    """Keras' ``EarlyStopping(mode="max", restore_best_weights=True)`` per member, after one more epoch: a member
    whose validation PR AUC has not improved for ``patience`` epochs stops (with a patience and validation rows)."""
    ran = early.ran + tf.cast(tf.logical_not(early.stopped), tf.int32)

    def watch():
        improved = tf.logical_and(tf.logical_not(early.stopped), val_ap > early.best_score)  # NaN never improves
        wait = tf.where(improved, 0, early.wait + 1)
        return (tf.where(improved[:, None], flat, early.best_flat), tf.where(improved, val_ap, early.best_score), wait,
                tf.logical_or(early.stopped, tf.logical_and(wait >= schedule.patience, epoch > 0)))

    kept = lambda: (early.best_flat, early.best_score, early.wait, early.stopped)  # noqa: E731
    return EarlyStop(*tf.cond(tf.logical_and(schedule.patience > 0, n_val > 0), watch, kept), ran)


_COMPILED: dict = {}


def _epochs_function(shape: Shape):
    """The compiled epoch loop for one network shape (traced once, whatever the rows and members):
    ``run(state, rows, losses, validation, schedule) -> (state, history, snapshots)``."""
    if shape in _COMPILED:
        return _COMPILED[shape]
    step = _step_function(shape)

    @tf.function(input_signature=_RUN_SIGNATURE, autograph=False)
    def run(state: State, rows: Rows, losses: Losses, validation: Validation, schedule: Schedule):
        def epoch_of(e, state, history, snaps, _done):
            epoch = schedule.first_epoch + e
            optimiser, loss = _train_epoch(step, state.optimiser, rows, losses, schedule, epoch, state.early.stopped,
                                           shape)
            val_loss, val_ap = _validation_scores(optimiser.flat, validation, losses, shape)
            history = History(history.loss.write(e, loss),
                              history.pr_auc.write(e, _fit_pr_auc(optimiser.flat, rows, shape)),
                              history.val_loss.write(e, val_loss), history.val_pr_auc.write(e, val_ap))
            state = State(optimiser, _early_stop(state.early, optimiser.flat, val_ap, epoch, schedule,
                                                 tf.shape(validation.y)[0]))
            snaps = tf.cond(schedule.snap[e], lambda: snaps.write(snaps.size(), optimiser.flat), lambda: snaps)
            return e + 1, state, history, snaps, tf.reduce_all(state.early.stopped)  # all stopped: the loop ends

        history = History(*(tf.TensorArray(tf.float32, size=0, dynamic_size=True) for _ in History._fields))
        snaps = tf.TensorArray(tf.float32, size=0, dynamic_size=True, element_shape=tf.TensorShape([None, None]))
        _, state, history, snaps, _ = tf.while_loop(
            lambda e, _s, _h, _k, done: tf.logical_and(e < schedule.n_epochs, ~done), epoch_of,
            (tf.constant(0), state, history, snaps, tf.constant(False)))
        flat = state.optimiser.flat
        return state, History(*(h.stack() for h in history)), tf.cond(
            snaps.size() > 0, snaps.stack, lambda: tf.zeros([0, tf.shape(flat)[0], tf.shape(flat)[1]]))

    _COMPILED[shape] = run
    return run


def _shape(network: Network, focal: bool = True, *, training: bool = True) -> Shape:
    """What to trace for; ``training=False``: for prediction and losses, where regularisation plays no part."""
    return Shape(_layout(network), network.activation, network.binary, network.n_classes, focal,
                 network.l2 if training else 0.0, network.dropout if training else 0.0)


def _predict_function(shape: Shape):
    key = ("predict", shape)
    if key not in _COMPILED:
        @tf.function(input_signature=[_spec(None, None), _spec(None, None)], autograph=False)
        def predict(flat, X):
            members = tf.shape(flat)[0]
            return _forward(flat, tf.broadcast_to(X[None], [members, tf.shape(X)[0], tf.shape(X)[1]]), shape)

        _COMPILED[key] = predict
    return _COMPILED[key]


# --------------------------------------------------------------------------- the public calls


def _focal_settings(network: Network, members: Sequence[Member]) -> Losses:
    """Each member's focal loss as arrays (members without one: cross-entropy), with class weights of 1."""
    k = network.n_classes
    is_focal = np.array([m.focal is not None for m in members])
    gamma = np.array([m.focal[0] if m.focal else 0.0 for m in members], np.float32)
    alpha = np.full((len(members), k), 0.5, np.float32)
    for i, m in enumerate(members):
        if m.focal is None:
            continue
        if network.binary:
            alpha[i] = [1.0 - float(m.focal[1]), float(m.focal[1])]  # column 1: the positive class's weight
        else:
            alpha[i] = np.asarray(m.focal[1], np.float32)
    return Losses(np.ones((len(members), k), np.float32), is_focal, gamma, alpha)


def group_slots(members: int, *, power_of_two: bool = False) -> int:
    """How many members a group of ``members`` trains as (the others rest): XLA compiles the training step once
    per slot count (about half a second each), so there are few: 2 (XLA compiles a lone member differently, to
    the last bit, and a network's numbers must not depend on whether it trained alone), then a multiple of 4
    (a comparison's strategies), or with ``power_of_two`` 4, 8, 16, 32 ... (a class's runs trained together come
    in any number: these few shapes are compiled on the workers ahead of them)."""
    if members <= 2:
        return 2
    if power_of_two:
        return 1 << (members - 1).bit_length()
    return -(-members // 4) * 4


@dataclass(frozen=True)
class _Group:
    """Members trained together, as the compiled loop takes them: padded with resting members (no rows) to
    :func:`group_slots`, so a few XLA compilations serve every group size."""

    members: tuple
    real: int
    rows: Rows
    losses: Losses
    validation: Validation

    @classmethod
    def of(cls, network: Network, X_pool, y_pool, members: Sequence[Member], X_val, y_val, *,
           power_of_two: bool = False) -> _Group:
        real = len(members)
        slots = group_slots(real, power_of_two=power_of_two)
        members = tuple(members) + (Member(rows=np.arange(0), seed=members[0].seed),) * (slots - real)
        width = max(1, max(len(m.rows) for m in members))
        positions = np.zeros((len(members), width), np.int32)
        for i, m in enumerate(members):
            positions[i, :len(m.rows)] = m.rows
        losses = _focal_settings(network, members)._replace(class_weight=np.array(
            [m.class_weight if m.class_weight is not None else [1.0] * network.n_classes for m in members], np.float32))
        if X_val is None or len(X_val) == 0:
            X_val, y_val = np.zeros((0, network.n_features), np.float32), np.zeros(0, np.int32)
        rows = Rows(np.asarray(X_pool, np.float32), np.asarray(y_pool, np.int32), positions,
                    np.array([len(m.rows) for m in members], np.int32), np.array([m.seed for m in members], np.int32))
        return cls(members, real, Rows(*map(tf.constant, rows)), Losses(*map(tf.constant, losses)),
                   Validation(tf.constant(np.asarray(X_val, np.float32)), tf.constant(np.asarray(y_val, np.int32))))

    @property
    def focal(self) -> bool:
        return any(m.focal is not None for m in self.members)

    @property
    def has_validation(self) -> bool:
        return int(self.validation.y.shape[0]) > 0

    def initial_state(self, network: Network) -> State:
        flat = tf.constant(_flatten([initial_weights(network, m.seed, m.output_bias) for m in self.members]))
        n = len(self.members)
        # early stopping's state (used only with a patience and validation rows); resting members count as stopped
        early = EarlyStop(flat, tf.fill([n], -np.inf), tf.zeros([n], tf.int32),
                          tf.constant(np.arange(n) >= self.real), tf.zeros([n], tf.int32))
        return State(Optimiser(flat, tf.zeros_like(flat), tf.zeros_like(flat), tf.zeros([n], tf.float32)), early)

    def resumed_state(self, network: Network, resume: Resume) -> State:
        """Where ``resume`` left its members (weights, Adam's moments and steps), early stopping started afresh."""
        pad = len(self.members) - self.real
        start = self.initial_state(network)

        def padded(values, resting):
            return tf.constant(np.concatenate([np.asarray(values), np.asarray(resting)[self.real:]]).astype(np.float32))

        zeros = np.zeros(start.optimiser.flat.shape, np.float32)
        optimiser = Optimiser(padded(resume.flat, start.optimiser.flat), padded(resume.m1, zeros),
                              padded(resume.m2, zeros), padded(resume.steps, np.zeros(pad + self.real)))
        return State(optimiser, start.early._replace(best_flat=optimiser.flat))

    def schedule(self, network: Network, first_epoch: int, n_epochs: int, snap: Sequence[bool] = ()) -> Schedule:
        return Schedule(tf.constant(first_epoch, tf.int32), tf.constant(n_epochs, tf.int32),
                        tf.constant(network.learning_rate, tf.float32), tf.constant(network.batch_size, tf.int32),
                        tf.constant(network.patience if self.has_validation else 0, tf.int32),
                        tf.constant(list(snap) or [False] * n_epochs, tf.bool))


def _extend(history: list[dict[str, list[float]]], produced: History, ran) -> None:
    """Append a call's epochs to each member's history, up to the epochs it ran (a stopped member's ends there)."""
    ran = np.asarray(ran)
    for name, values in zip(History._fields, produced):
        values = np.asarray(values)
        for i, member in enumerate(history):
            member[name].extend(float(v) for v in values[:ran[i] - len(member[name]), i])


def train(
    network: Network,
    X_pool: np.ndarray,
    y_pool: np.ndarray,
    members: Sequence[Member],
    *,
    X_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    on_progress: Callable[[Checkpoint], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    interval: float = 0.4,
    power_of_two: bool = False,
    frames: Sequence[int] = (),
    resume: Resume | None = None,
) -> Trained:
    """Train every member (same network shape) together; return their weights and history (``power_of_two``: see
    :func:`group_slots`).

    ``frames``: the epochs (1 .. ``network.epochs``) after which every member's weights are kept for a replay (kept
    inside the compiled loop: no extra calls), with the initial weights as epoch 0 and the last epoch run. ``resume``
    (a :class:`Trained`'s): trains on from there up to ``network.epochs`` in all, with the shuffles and dropout of a
    run that never stopped (they are seeded by the epoch); early stopping starts afresh; the history returned is the
    new epochs'.

    Whole epochs run per compiled call; between calls ``on_progress`` is called (at most every
    ``interval`` seconds, and after the last epoch) and ``should_stop`` is asked (``Stopped`` is raised
    if it answers yes). Whatever ``on_progress`` raises stops training and propagates.

    With ``network.patience`` and validation rows, each member stops as Keras' ``EarlyStopping(monitor=
    "val_pr_auc", mode="max", patience=..., restore_best_weights=True)`` would: after ``patience`` epochs
    without a better validation PR AUC it rests (the others go on), its history ends there, and it keeps the
    weights of its best epoch.
    """
    start = time.perf_counter()
    if not members:
        raise ValueError("no members to train")
    group = _Group.of(network, X_pool, y_pool, members, X_val, y_val, power_of_two=power_of_two)
    run = _epochs_function(_shape(network, group.focal))
    state = group.initial_state(network) if resume is None else group.resumed_state(network, resume)
    history = [{name: [] for name in History._fields} for _ in group.members]
    wanted = set(frames)
    epoch = resume.epoch if resume is not None else 0
    kept = [(0, np.asarray(state.optimiser.flat)[:group.real])] if wanted and resume is None else []
    chunk, last_report = 1, time.perf_counter()  # a run shorter than the interval reports once, at its end
    while epoch < network.epochs:
        n = min(chunk, network.epochs - epoch)
        began = time.perf_counter()
        snap = [epoch + i + 1 in wanted for i in range(n)]
        state, produced, snaps = run(state, group.rows, group.losses, group.validation,
                                     group.schedule(network, epoch, n, snap))
        took = time.perf_counter() - began
        _extend(history, produced, state.early.ran)
        kept += [(e, np.asarray(w)[:group.real]) for e, w in zip([epoch + i + 1 for i in range(n) if snap[i]], snaps)]
        epoch += int(np.asarray(produced.loss).shape[0])  # fewer than n when every member stopped early
        early = bool(np.all(np.asarray(state.early.stopped)))
        # next call: as many epochs as fit in the interval (the first one also paid for tracing)
        chunk = max(1, min(network.epochs - epoch, int(n * interval / max(took, 1e-4))))
        now = time.perf_counter()
        if on_progress is not None and (early or epoch == network.epochs or now - last_report >= interval):
            last_report = now
            on_progress(Checkpoint(epoch, network.epochs, history[:group.real], network,
                                   state.optimiser.flat[:group.real]))
        if early:
            break
        if should_stop is not None and epoch < network.epochs and should_stop():
            raise Stopped(f"stopped after {epoch} of {network.epochs} epochs")
    if wanted and (not kept or kept[-1][0] < epoch):  # the last epoch run (early stopping may end before a frame)
        kept.append((epoch, np.asarray(state.optimiser.flat)[:group.real]))
    return _trained(network, group, state, history[:group.real], time.perf_counter() - start, kept, epoch)


def _trained(network: Network, group: _Group, state: State, history: list, seconds: float,
             frames: list, epoch: int) -> Trained:
    """What training left: each real member's weights (its best epoch's, with early stopping) and history."""
    if not group.has_validation:
        for h in history:
            del h["val_loss"], h["val_pr_auc"]
    optimiser = state.optimiser
    flat = optimiser.flat
    if network.patience and group.has_validation:  # each member keeps the weights of its best epoch
        best = np.isfinite(np.asarray(state.early.best_score))
        flat = tf.where(tf.constant(best)[:, None], state.early.best_flat, flat)
    resume = Resume(epoch, *(np.asarray(a)[:group.real] for a in optimiser))
    return Trained(weights=_unflatten(flat, network)[:group.real], history=history, seconds=seconds, frames=frames,
                   resume=resume)


def predict_proba(network: Network, weights: Sequence[Sequence[np.ndarray]], X: np.ndarray) -> np.ndarray:
    """Class probabilities ``[members, rows, classes]`` (binary: both columns, negative first)."""
    predict = _predict_function(_shape(network, training=False))
    flat = tf.constant(_flatten(weights))
    parts = [np.asarray(predict(flat, tf.constant(np.asarray(X[i:i + PREDICT_ROWS], np.float32))))
             for i in range(0, len(X), PREDICT_ROWS)] or [np.zeros((len(weights), 0, network.n_outputs), np.float32)]
    out = np.concatenate(parts, axis=1)
    if network.binary:
        out = np.concatenate([1.0 - out, out], axis=2)
    return out.astype(np.float32)


def row_loss(y: np.ndarray, proba: np.ndarray, *, n_classes: int,
             focal: tuple[float, float | Sequence[float]] | None = None) -> np.ndarray:
    """Each row's loss, as the kernel trains one member (no class weights): cross-entropy or focal loss.

    ``proba`` holds the probability of the positive class (two classes, shape ``[rows]`` or ``[rows, 1]``)
    or of every class (``[rows, classes]``).
    """
    binary = n_classes == 2
    proba = np.asarray(proba, np.float32).reshape(len(y), 1 if binary else n_classes)
    network = Network(n_features=1, n_classes=n_classes, hidden=())
    losses = _focal_settings(network, [Member(rows=np.arange(0), seed=0, focal=focal)])
    values = _row_loss_function(_shape(network))(tf.constant(np.asarray(y, np.int32))[None], tf.constant(proba)[None],
                                                 Losses(*map(tf.constant, losses)))
    return np.asarray(values)[0]


def _row_loss_function(shape: Shape):
    key = ("loss", shape)
    if key not in _COMPILED:
        outputs = 1 if shape.binary else shape.n_classes
        signature = [_spec(None, None, dtype=tf.int32), _spec(None, None, outputs),
                     Losses(_spec(None, shape.n_classes), _spec(None, dtype=tf.bool), _spec(None),
                            _spec(None, shape.n_classes))]
        _COMPILED[key] = tf.function(lambda y, proba, losses: _per_row_loss(y, proba, losses, shape),
                                     input_signature=signature, autograph=False)
    return _COMPILED[key]


def member_loss(network: Network, weights: Sequence[np.ndarray], member: Member, X: np.ndarray,
                y: np.ndarray) -> float:
    """A member's mean loss on ``(X, y)`` with ``weights`` (no class weights): e.g. the loss before training."""
    proba = predict_proba(network, [weights], X)[0]
    return float(np.mean(row_loss(y, proba[:, 1:] if network.binary else proba, n_classes=network.n_classes,
                                  focal=member.focal)))
