"""Login state the gateway keeps in the store."""

import sqlalchemy as sa

from confab.store.tables.base import USER_ID, metadata

# im_open_login_svc/kick: UserSigs issued at or before `before` no longer log this user in.
login_invalidations = sa.Table(
    "login_invalidations",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("user_id", USER_ID, primary_key=True),
    sa.Column("before", sa.BigInteger, nullable=False),
)
