"""Event batches → report data (computed once) → renderers (text, Markdown, JSON, CSV)."""
