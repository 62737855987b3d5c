"""The relationship chain: friends, friend lists, blocklists, friend requests (issue 5).

Its rules for other areas (the blocklist and friendship checks on sends, the account-deletion purge) are
in `checks.py`, installed by `confab.domain.areas`. Entry points are listed in docs/feed/sns.md.
"""
