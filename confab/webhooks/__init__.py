"""Webhooks: callbacks from Confab to the app's own backend (seed 004 lines 28244-35064).

- `catalog.py`: every callback command the seed documents (the one list; `confab webhooks` prints it).
- `config.py`: an app's webhook settings (URL, switches, token, timeout, fail policy, retries, TLS).
- `transport.py`: one pooled keep-alive HTTP client per process; the vendor's query string and signing.
- `before.py`: before-callbacks, awaited by the domain *before* its write transaction; their verdict.
- `after.py` + `outbox.py`: after-callbacks, built from domain events inside the event's own transaction
  and written to a durable outbox there, then delivered in order per app by a background worker.
- `origin.py`: where the current call came from (OptPlatform, ClientIP), set by the REST envelope and
  the gateway, read when a callback is built.
"""
