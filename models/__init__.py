"""The designs einval compares: one file each, one ``Design`` subclass each."""
