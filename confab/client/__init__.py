"""Python clients: `RestClient` for the v4 admin API (the real-time client lives beside it)."""

from confab.client.rest import RestClient, RestError

__all__ = ["RestClient", "RestError"]
