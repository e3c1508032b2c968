"""Cluster troubleshooting engine: readers, health diagnosis, queries, recovery watch, profile switch.

No textual here: the TUI and the CLI are thin layers over these modules.
"""
