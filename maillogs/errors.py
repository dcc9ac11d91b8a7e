"""The errors the library raises; the CLI turns each into one line and an exit status."""

from __future__ import annotations


class MaillogsError(Exception):
    """Base of every error meant for the user (never a traceback)."""


class InputError(MaillogsError):
    """An input that cannot be read (missing, unreadable, broken compression)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


class UsageError(MaillogsError):
    """A bad option value; the message names the accepted forms."""


class ConfigError(MaillogsError):
    """A bad config file; the message names the file and the key."""
