"""Widgets and formatting helpers of the TUI."""
