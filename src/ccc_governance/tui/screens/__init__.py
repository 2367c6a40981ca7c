"""The TUI's screens: portfolio, contract, KPI drill-down, breaches, reviews, help and modals."""
