"""The Textual TUI (`ccc tui`). Only this package imports Textual; `data.py` holds every query."""
