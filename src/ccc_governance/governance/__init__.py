"""Governance: review calendar, actions, obligations and evidence, purge, audits, status.

Headless: nothing here imports Textual.
"""
