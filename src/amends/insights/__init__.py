"""The numbers of METHOD.md, computed for the dashboard (read-only selectors)."""
