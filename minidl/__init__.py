"""minidl: a minimal, from-scratch deep learning framework on numpy."""

__version__ = "0.1.0"
