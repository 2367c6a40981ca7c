"""ccc-governance: client-side governance of outsourced customer contact centres (ISO 18295-2)."""

__version__ = "0.1.0"

from .hookspecs import hookimpl  # noqa: E402  (re-exported for plugin authors)

__all__ = ["__version__", "hookimpl"]
