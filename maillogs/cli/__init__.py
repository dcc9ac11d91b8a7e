"""The `maillogs` command line: one module per command, the options they share in
maillogs.cli.options, the group that holds them in maillogs.cli.group. Commands parse
options and call the application layer (maillogs.app); nothing imports the group back.
"""

from maillogs.cli.group import main

__all__ = ["main"]
