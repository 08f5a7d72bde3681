"""The training kernel: what Keras would compute, members that train together as they train alone."""

from dataclasses import replace

import keras
import numpy as np
import pytest

from imbalance_core.portable import kernel


def _data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0.8).astype(np.int64)
    return X, y


NETWORK = kernel.Network(n_features=3, n_classes=2, hidden=(6, 5), activation="tanh", learning_rate=0.02, epochs=6,
                         batch_size=96)


@pytest.mark.parametrize("class_weight, l2", [(None, 0.0), ((0.6, 2.5), 0.0), ((0.6, 2.5), 0.05)])
def test_one_member_trains_exactly_as_keras_fit_with_adam(class_weight, l2):
    """Full-batch steps (so shuffling cannot matter): same initial weights, loss, class weights, Adam, and L2 on the
    dense kernels (Keras' ``kernel_regularizer=L2``: its penalty is in the loss Keras reports)."""
    X, y = _data()
    network = replace(NETWORK, l2=l2)
    member = kernel.Member(rows=np.arange(len(y)), seed=3, class_weight=class_weight)
    trained = kernel.train(network, X, y, [member])
    model = kernel.keras_model(network, kernel.initial_weights(network, 3))
    assert len(model.losses) == (3 if l2 else 0)
    model.compile(optimizer=keras.optimizers.Adam(network.learning_rate), loss=keras.losses.BinaryCrossentropy())
    history = model.fit(X, y.astype(np.float32), batch_size=len(y), epochs=network.epochs, shuffle=False, verbose=0,
                        class_weight=dict(enumerate(class_weight)) if class_weight else None)
    for ours, theirs in zip(trained.weights[0], model.get_weights()):
        np.testing.assert_allclose(ours, theirs, atol=2e-5)
    np.testing.assert_allclose(trained.history[0]["loss"], history.history["loss"], rtol=1e-4)
    np.testing.assert_allclose(kernel.predict_proba(network, trained.weights, X)[0, :, 1],
                               np.asarray(model(X))[:, 0], atol=2e-5)


def test_dropout_is_keras_dropout_seeded_per_network_and_off_at_evaluation():
    X, y = _data(200)
    network = kernel.Network(n_features=3, n_classes=2, hidden=(8, 8), epochs=4, batch_size=16, dropout=0.3)
    shape = kernel._shape(network)
    masks = kernel._dropout_masks(np.array([[1, 2], [1, 2], [5, 6]], np.int32), 4000, shape)
    values = np.asarray(masks[0])
    np.testing.assert_allclose(np.unique(values), [0.0, 1 / 0.7], rtol=1e-6)  # kept units scaled, as Keras' Dropout
    assert abs((values > 0).mean() - 0.7) < 0.01 and np.array_equal(values[0], values[1])  # a seed, its masks
    assert not np.array_equal(values[0], values[2]) and not np.array_equal(masks[0][0], masks[1][0])
    members = [kernel.Member(rows=np.arange(200), seed=1), kernel.Member(rows=np.arange(0, 200, 2), seed=2)]
    together = kernel.train(network, X, y, members, X_val=X[:40], y_val=y[:40])
    alone = kernel.train(network, X, y, members[1:], X_val=X[:40], y_val=y[:40])
    for a, b in zip(alone.weights[0], together.weights[1]):
        np.testing.assert_array_equal(a, b)
    # (that dropout changes a seeded run's numbers: tests/test_cli.py)
    model = kernel.keras_model(network, alone.weights[0])  # Dropout layers, inactive when predicting
    assert sum(isinstance(layer, keras.layers.Dropout) for layer in model.layers) == 2
    np.testing.assert_allclose(kernel.predict_proba(network, alone.weights, X)[0, :, 1], np.asarray(model(X))[:, 0],
                               atol=2e-5)


def test_members_trained_together_equal_members_trained_alone():
    X, y = _data(200)
    network = kernel.Network(n_features=3, n_classes=2, hidden=(8,), epochs=5, batch_size=16)
    extra_X = X[:30] + 0.01  # a member with "synthetic" rows of its own
    X_pool, y_pool, rows = kernel.pool(X, y, [(X, y, np.arange(200)), (X[:50], y[:50], np.arange(50)),
                                              (np.vstack([X, extra_X]), np.concatenate([y, y[:30]]),
                                               np.concatenate([np.arange(200), -np.ones(30, int)]))])
    assert len(X_pool) == 230 and len(rows[2]) == 230 and (rows[2][200:] >= 200).all()
    members = [kernel.Member(rows=rows[0], seed=1),
               kernel.Member(rows=rows[1], seed=2, class_weight=(0.7, 1.9)),
               kernel.Member(rows=rows[2], seed=3, focal=(2.0, 0.8), output_bias=(-1.0,))]
    together = kernel.train(network, X_pool, y_pool, members, X_val=X[:40], y_val=y[:40])
    for i, member in enumerate(members):
        alone = kernel.train(network, X_pool, y_pool, [member], X_val=X[:40], y_val=y[:40])
        for a, b in zip(alone.weights[0], together.weights[i]):
            np.testing.assert_array_equal(a, b)
        assert alone.history[0] == together.history[i]


def test_same_seed_same_weights_and_the_seed_matters():
    X, y = _data()
    network = kernel.Network(n_features=3, n_classes=2, hidden=(4,), epochs=3, batch_size=8)
    runs = [kernel.train(network, X, y, [kernel.Member(rows=np.arange(len(y)), seed=s)]).weights[0] for s in (5, 5, 6)]
    for a, b in zip(runs[0], runs[1]):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(runs[0][0], runs[2][0])


def test_history_progress_and_stopping():
    X, y = _data()
    network = kernel.Network(n_features=3, n_classes=2, hidden=(4,), epochs=8, batch_size=16)
    member = kernel.Member(rows=np.arange(len(y)), seed=0)
    seen = []
    trained = kernel.train(network, X, y, [member], on_progress=seen.append, interval=0.0)
    assert [p.epoch for p in seen] == list(range(1, 9))  # every call reported, one epoch per call at interval 0
    assert set(trained.history[0]) == {"loss", "pr_auc"}  # no validation rows: no validation history
    assert len(trained.history[0]["loss"]) == 8 and 0 <= trained.history[0]["pr_auc"][-1] <= 1
    np.testing.assert_array_equal(seen[-1].weights()[0][0], trained.weights[0][0])
    with pytest.raises(kernel.Stopped):
        kernel.train(network, X, y, [member], should_stop=lambda: True)


def test_multiclass_members_and_their_keras_model():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(120, 4)).astype(np.float32)
    y = np.argmax(X[:, :3], axis=1)
    network = kernel.Network(n_features=4, n_classes=3, hidden=(7,), epochs=4, batch_size=32)
    members = [kernel.Member(rows=np.arange(120), seed=0, focal=(2.0, (0.2, 0.3, 0.5))),
               kernel.Member(rows=np.arange(60), seed=1)]
    trained = kernel.train(network, X, y, members, X_val=X[:30], y_val=y[:30])
    proba = kernel.predict_proba(network, trained.weights, X)
    assert proba.shape == (2, 120, 3)
    np.testing.assert_allclose(proba.sum(axis=2), 1.0, atol=1e-5)
    model = kernel.keras_model(network, trained.weights[1])
    np.testing.assert_allclose(np.asarray(model(X)), proba[1], atol=1e-5)
    assert np.isfinite(trained.history[0]["val_pr_auc"]).all()


def _binned_average_precision(y, p, bins=kernel.PR_BINS):
    """The live PR AUC's definition in NumPy: average precision over probability bins."""
    which = np.clip(np.floor(p * bins).astype(int), 0, bins - 1)
    pos = np.bincount(which, weights=(y == 1).astype(float), minlength=bins)
    neg = np.bincount(which, weights=(y != 1).astype(float), minlength=bins)
    tp, fp = np.cumsum(pos[::-1])[::-1], np.cumsum(neg[::-1])[::-1]
    precision = np.divide(tp, tp + fp, out=np.zeros(bins), where=tp + fp > 0)
    recall = tp / tp[0]
    return float(np.sum((recall - np.append(recall[1:], 0.0)) * precision))


def test_per_epoch_scores_on_a_large_table_are_taken_a_slice_at_a_time_and_equal_the_whole():
    """Members with more rows than one slice: the history's PR AUC (each member on its own rows) and
    validation loss / PR AUC equal those of the final weights computed on every row at once."""
    X, y = _data(3 * kernel.EVAL_ROWS + 123, seed=4)
    X_val, y_val = X[: kernel.EVAL_ROWS + 7], y[: kernel.EVAL_ROWS + 7]
    network = kernel.Network(n_features=3, n_classes=2, hidden=(5,), epochs=1, batch_size=4096)
    members = [kernel.Member(rows=np.arange(len(y)), seed=0),
               kernel.Member(rows=np.arange(kernel.EVAL_ROWS + 50), seed=1, focal=(2.0, 0.7))]
    trained = kernel.train(network, X, y, members, X_val=X_val, y_val=y_val)
    proba = kernel.predict_proba(network, trained.weights, X)[:, :, 1]
    proba_val = kernel.predict_proba(network, trained.weights, X_val)[:, :, 1]
    for i, member in enumerate(members):
        history = trained.history[i]
        assert history["pr_auc"][0] == pytest.approx(_binned_average_precision(y[member.rows], proba[i, member.rows]),
                                                      abs=1e-5)
        assert history["val_pr_auc"][0] == pytest.approx(_binned_average_precision(y_val, proba_val[i]), abs=1e-5)
        expected_loss = kernel.row_loss(y_val, proba_val[i], n_classes=2, focal=member.focal).mean()
        assert history["val_loss"][0] == pytest.approx(float(expected_loss), rel=1e-4)


def test_early_stopping_keeps_each_members_best_epoch_as_keras_early_stopping_does():
    """patience=3: a member rests 3 epochs after its best validation PR AUC (Keras' EarlyStopping semantics), its
    history ends there, and its weights are those of the best epoch, i.e. what training for exactly that many
    epochs gives. In a group each member stops on its own and ends exactly as it does alone."""
    X, y = _data(400, seed=5)
    rng = np.random.default_rng(1)
    y = np.where(rng.random(len(y)) < 0.15, 1 - y, y)  # label noise: the validation score stops improving
    network = kernel.Network(n_features=3, n_classes=2, hidden=(16,), learning_rate=0.05, epochs=80, batch_size=16,
                             patience=3)
    members = [kernel.Member(rows=np.arange(300), seed=s) for s in (0, 1)]
    together = kernel.train(network, X, y, members, X_val=X[300:], y_val=y[300:])
    for i, member in enumerate(members):
        alone = kernel.train(network, X, y, [member], X_val=X[300:], y_val=y[300:])
        ran = len(alone.history[0]["loss"])  # each member's history ends where it stopped
        scores = alone.history[0]["val_pr_auc"]
        best = int(np.argmax(scores))
        assert ran < network.epochs and len(scores) == ran
        assert ran == best + 1 + network.patience  # stopped patience epochs after the best
        assert max(scores[best + 1:]) <= scores[best]
        exact = kernel.train(replace(network, epochs=best + 1, patience=0), X, y, [member],
                             X_val=X[300:], y_val=y[300:])
        for a, b in zip(alone.weights[0], exact.weights[0]):
            np.testing.assert_array_equal(a, b)
        assert together.history[i] == alone.history[0]
        for a, b in zip(alone.weights[0], together.weights[i]):
            np.testing.assert_array_equal(a, b)
    assert len(together.history[0]["loss"]) != len(together.history[1]["loss"])  # each stopped on its own
    without = kernel.train(network, X, y, members[:1])  # no validation rows: nothing to watch, every epoch runs
    assert len(without.history[0]["loss"]) == network.epochs


def test_frames_keep_the_weights_of_their_epochs_and_a_run_trains_on_exactly_as_one_longer_run():
    """Replay frames are the weights a shorter run ends with; training on from a run's end (weights, Adam's moments
    and steps, the epoch-seeded shuffles and dropout) gives the numbers of one run of the total length."""
    X, y = _data(200)
    network = kernel.Network(n_features=3, n_classes=2, hidden=(8, 8), epochs=9, batch_size=32, dropout=0.2, l2=0.001)
    members = [kernel.Member(rows=np.arange(200), seed=1),
               kernel.Member(rows=np.arange(0, 200, 3), seed=2, focal=(2.0, 0.7))]
    full = kernel.train(network, X, y, members, X_val=X[:40], y_val=y[:40], frames=[3, 6, 9])
    assert [epoch for epoch, _ in full.frames] == [0, 3, 6, 9] and full.frames[0][1].shape[0] == 2
    six = kernel.train(replace(network, epochs=6), X, y, members, X_val=X[:40], y_val=y[:40])
    np.testing.assert_array_equal(dict(full.frames)[6], kernel._flatten(six.weights))
    np.testing.assert_array_equal(dict(full.frames)[0], kernel._flatten(
        [kernel.initial_weights(network, m.seed) for m in members]))
    assert six.resume.epoch == 6
    more = kernel.train(network, X, y, members, X_val=X[:40], y_val=y[:40], resume=six.resume, frames=[9])
    assert [epoch for epoch, _ in more.frames] == [9]
    for i in range(2):
        for a, b in zip(full.weights[i], more.weights[i]):
            np.testing.assert_array_equal(a, b)
        assert full.history[i]["loss"] == six.history[i]["loss"] + more.history[i]["loss"]
    assert kernel.train(network, X, y, members, X_val=X[:40], y_val=y[:40]).frames == []  # only when asked for
