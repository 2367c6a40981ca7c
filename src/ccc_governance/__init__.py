"""ccc-governance: client-side governance of outsourced customer contact centres (ISO 18295-2)."""

__version__ = "0.1.0"

__all__ = ["__version__", "hookimpl"]


def __getattr__(name: str):
    """`hookimpl` (for plugin authors) is imported when first asked for: loading pluggy is not free,
    and most commands never need it."""
    if name == "hookimpl":
        from .hookspecs import hookimpl

        return hookimpl
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
