"""Reusable widgets: step bar, validated fields, the bounded live log."""
