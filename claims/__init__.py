"""The claims of the thread, one TOML file each (read by einval claims)."""
