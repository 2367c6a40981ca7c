"""The KPI engine: aggregates, formulas, evaluation, breaches, exclusions and service credits.

Headless: nothing here imports Textual.
"""
