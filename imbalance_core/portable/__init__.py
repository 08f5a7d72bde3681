"""What the exported ``reproduce.py`` carries verbatim: the steps of a run around training, and the training kernel.

``steps`` (split, preprocessing, resampling with row tracing, metrics: NumPy, pandas, scikit-learn,
imbalanced-learn) and ``kernel`` (NumPy, TensorFlow, Keras) import nothing from Imbalance Lab, not even
each other: the script holds their source, one after the other, so the app and the script cannot drift
apart. Every other layer may use them; they use no other layer (an import-linter contract says so).
"""
