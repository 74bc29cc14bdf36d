"""The shipped scenarios: one small TOML file each (actors and bounds)."""
