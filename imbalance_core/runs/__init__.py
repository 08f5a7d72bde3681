"""The run layer: one run (prepare -> plan -> train -> evaluate), comparisons, the leakage demo, evaluation, the
cost of a run before it starts, and the views a run is drawn in.

Uses the training and data layers, ``portable`` and the shared modules; the kernel (TensorFlow) only inside
the functions that train or predict. Nothing here draws a chart, writes a file or knows where it runs.
"""
