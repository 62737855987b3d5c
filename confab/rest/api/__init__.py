"""One module per service area; each registers its endpoints with `confab.rest.registry.endpoint`."""
