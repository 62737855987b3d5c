"""One-to-one messaging: bodies, messages, history, read state, conversations (issue 4).

Entry points used by the REST API and the real-time gateway alike are listed in docs/feed/c2c.md.
"""
