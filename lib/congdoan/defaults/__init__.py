"""Packaged defaults (data only): params/ and notebooks/."""
