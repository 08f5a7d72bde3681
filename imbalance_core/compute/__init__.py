"""The compute layer: what leaves the web server to train (jobs), where it runs (engines: threads of this
process, an embedded Dask pool, or your Dask cluster), the fair queue in front of them (the executor), and
the worker process itself.

Uses every layer below (runs, outputs, training, data); TensorFlow never at import time, only inside a job
that runs on a worker (an import-linter contract says so): the web server imports this layer, and never maps
TensorFlow.
"""
