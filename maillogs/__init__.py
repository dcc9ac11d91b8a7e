"""maillogs: Postfix mail logs → the reports a mail administrator wants."""

import os

__version__ = "0.1.0"

# Polars allocates with jemalloc, which by default keeps freed pages for 10 s: with a
# new frame per chunk that is hundreds of MiB of peak memory nobody uses. Handing them
# back after half a second costs no measurable time. Read when polars loads, so it is
# set here, before any module of ours imports polars; a value the user set wins.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:500,muzzy_decay_ms:0")
