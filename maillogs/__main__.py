"""`python -m maillogs`: the same as the `maillogs` command."""

from maillogs.cli import main

main()
