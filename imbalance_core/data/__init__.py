"""The data layer: the built-in sets, reading uploaded tables, the typed data spec, the split and the preprocessing.

Uses only the shared modules (``errors``, ``params``, ``settings``, ``text``) and ``portable``. Nothing
here knows about strategies, networks or runs.
"""
