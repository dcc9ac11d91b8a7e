"""maillogs: Postfix mail logs → the reports a mail administrator wants."""

__version__ = "0.1.0"
