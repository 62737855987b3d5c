"""An app's webhook settings (`confab app webhook`; the console later), with the vendor's defaults."""

from __future__ import annotations

from urllib.parse import urlsplit

import msgspec

from confab.webhooks.catalog import BY_NAME

# topic callbacks share the switch of the matching group callback (seed 33580, 33722, 33877, 34017)
SHARED_SWITCH = {
    "Group.CallbackBeforeCreateTopic": "Group.CallbackBeforeCreateGroup",
    "Group.CallbackAfterCreateTopic": "Group.CallbackAfterCreateGroup",
    "Group.CallbackAfterTopicDestroyed": "Group.CallbackAfterGroupDestroyed",
    "Group.CallbackAfterTopicInfoChanged": "Group.CallbackAfterGroupInfoChanged",
}


class WebhookSettings(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    url: str = ""  # http(s) URL of the app's callback receiver; "" = no webhooks at all
    commands: list[str] = []  # the callback commands switched on (each has its own switch)
    token: str = ""  # when set, every request carries RequestTime and Sign = sha256(token + RequestTime)
    timeout: float = 2.0  # seconds (seed 28380)
    fail_closed: list[str] = []  # before-callbacks that refuse on timeout or failure (ruling 10; else fail-open)
    retry_after: bool = False  # retry after-callbacks that failed (off, as the vendor's default)
    retries: int = 5  # attempts after the first, with backoff, when retry_after is on
    backlog: int = 100_000  # after-callbacks waiting per app; beyond it new ones are recorded as overflow
    client_cert: str = ""  # PEM file: Confab's client certificate for mutual TLS (seed 34765-34910)
    client_key: str = ""  # PEM file: its key ("" when the cert file holds it)
    ca_file: str = ""  # PEM file: the CA that signed the receiver's certificate ("" = the system's)

    def validate(self) -> None:
        if self.url:
            parts = urlsplit(self.url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"webhook url must be http(s)://host[:port]/path, not {self.url!r}")
        unknown = sorted(set(self.commands) - set(BY_NAME))
        if unknown:
            raise ValueError(f"not callback commands of the seed: {', '.join(unknown)}")
        not_before = sorted(c for c in self.fail_closed if BY_NAME.get(c) is None or BY_NAME[c].kind != "before")
        if not_before:
            raise ValueError(f"fail_closed names before-callbacks only, not {', '.join(not_before)}")
        if not 0 < self.timeout <= 30:
            raise ValueError("webhook timeout is 0-30 seconds")
        if not 0 <= self.retries <= 20 or self.backlog < 1:
            raise ValueError("retries is 0-20 and backlog at least 1")
        if self.client_key and not self.client_cert:
            raise ValueError("client_key needs client_cert")

    def on(self, command: str) -> bool:
        if not self.url:
            return False
        return command in self.commands or SHARED_SWITCH.get(command) in self.commands
