"""The relationship chain: friends, friend lists, blocklists, friend requests (issue 5).

Importing the package registers the messaging checks (blocklist, friendship) and the account-deletion
purge. Entry points are listed in docs/feed/sns.md.
"""

from confab.domain.sns import checks as checks  # registers the messaging hooks
