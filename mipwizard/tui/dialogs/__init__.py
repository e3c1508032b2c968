"""Modal dialogs: confirmation, F1 help."""
