"""The cross-area registrations of every area, installed in one explicit step (`install`, called when the
server is built): which checks a user's one-to-one send passes, and which rows go with a deleted account.

A rule that exists only if its module happens to be imported is a rule that can silently vanish; here
each one is named, and tests/test_areas.py asserts the installed lists.
"""

from __future__ import annotations

from confab.domain import accounts, contact_groups, hooks, msg_ext, mutes, push, user_attrs
from confab.domain.c2c import edits
from confab.domain.groups import members
from confab.domain.sns import checks

USER_C2C_SEND_CHECKS: tuple[hooks.UserSendCheck, ...] = (
    checks.blocklisted,  # 20007
    checks.friendship_required,  # 20009, when the app asks for it
    mutes.c2c_mute_check,  # 20012
)
ACCOUNT_PURGES: tuple[accounts.DeleteHook, ...] = (
    edits.purge_accounts,  # messages and conversations
    checks.purge_accounts,  # friends, blocklists, requests, relationship state
    mutes.purge_accounts,
    msg_ext.purge_accounts,
    members.purge_accounts,  # memberships, owned groups, requests, group mutes and bans
    user_attrs.purge_accounts,  # user attributes and tags
    contact_groups.purge_accounts,  # conversation groups and marks (theirs, and theirs in others')
    push.purge_accounts,  # the push-to-all-users cursor
)


def install() -> None:
    """Fill the extension points (idempotent)."""
    hooks.user_c2c_send_checks[:] = USER_C2C_SEND_CHECKS
    accounts.delete_hooks[:] = ACCOUNT_PURGES
