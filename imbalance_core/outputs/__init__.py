"""The outputs layer: what a run is shown and handed on as (Plotly figures, the HTML report, the standalone
script, the ``.keras`` model and the training rows as CSV).

Uses the run, training and data layers, ``portable`` and the shared modules; pure builders (data in, a
figure or a file out), with Keras imported only inside the function that writes a model (on a worker).
"""
