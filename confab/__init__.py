"""Confab: a self-hosted chat backend that speaks the Tencent Cloud Chat server protocol."""

__version__ = "0.1.0"
