"""The REST admin API v4: envelope, registry, and the area modules under `api`."""
