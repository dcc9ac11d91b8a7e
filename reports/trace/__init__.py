"""`maillogs trace`: each message's whole story, selected by queue id, Message-ID,
sender, recipient, client and period (docs/trace.md). No maillogs import: the command
feeds it batches from logs or a store."""

from reports.trace.query import TraceQuery
from reports.trace.story import Story
from reports.trace.tracer import Tracer

__all__ = ["Story", "TraceQuery", "Tracer"]
