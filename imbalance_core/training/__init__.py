"""The training layer: the strategy registry, imbalanced-learn samplers, resampling with row tracing, the network's
settings and the focal-loss curves.

Uses the data layer and the shared modules; TensorFlow only inside functions that build a kernel network
(they run on the training workers). Nothing here splits data, trains a run or draws.
"""
