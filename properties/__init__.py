"""The properties einval checks: one file each, one ``Property`` subclass each."""
