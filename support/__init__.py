"""What the tests and the benchmarks share: free ports, the served app, headless Chromium, a local Dask cluster,
waiting for a settled page; and the import contract that says which modules load what at import time."""
