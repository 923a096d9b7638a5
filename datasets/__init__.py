"""Data sets for minidl (installed as ``minidl.datasets``)."""
