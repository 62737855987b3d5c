"""Python clients: `RestClient` for the v4 admin API, `ChatClient` for the real-time gateway."""

from confab.client.realtime import ChatClient, Closed, Event, GatewayError
from confab.client.rest import RestClient, RestError

__all__ = ["ChatClient", "Closed", "Event", "GatewayError", "RestClient", "RestError"]
