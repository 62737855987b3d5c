"""After-callback builders, one module per area (imported by `after.install()`)."""
