"""Cross-area rules are installed in one explicit step, whatever modules happen to be imported."""

from __future__ import annotations

from confab.domain import accounts, contact_groups, hooks, push, user_attrs
from confab.domain.c2c import edits
from confab.domain.groups import members
from confab.domain.msg_ext import purge_accounts as msg_ext_purge
from confab.domain.mutes import c2c_mute_check
from confab.domain.mutes import purge_accounts as mutes_purge
from confab.domain.sns import checks
from tests.support import ServerHandle


def test_every_cross_area_rule_is_installed(server: ServerHandle) -> None:
    assert hooks.user_c2c_send_checks == [checks.blocklisted, checks.friendship_required, c2c_mute_check]
    assert set(accounts.delete_hooks) == {
        edits.purge_accounts,
        checks.purge_accounts,
        mutes_purge,
        msg_ext_purge,
        members.purge_accounts,
        user_attrs.purge_accounts,
        contact_groups.purge_accounts,
        push.purge_accounts,
    }
