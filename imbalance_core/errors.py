"""Errors whose messages are written for the person using the app or the CLI."""


class UserError(ValueError):
    """Something the user gave us cannot be used; the message says what and what to do."""


class DataError(UserError):
    """A data set or uploaded table cannot be used as it is."""


class ConfigError(UserError):
    """A strategy, network or experiment setting cannot be used with this data."""
