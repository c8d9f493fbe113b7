"""Marchwarden: the coordination headquarters for border regions."""

__version__ = "0.1.0"
