"""Global mute per account (openconfigsvr/setnospeaking)."""

import sqlalchemy as sa

from confab.store.tables.base import USER_ID, metadata

# Absolute Unix times until which the account may not send; 0 = not muted. A permanent mute is
# stored as PERMANENT (domain.mutes), far beyond any real time.
account_mutes = sa.Table(
    "account_mutes",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("user_id", USER_ID, primary_key=True),
    sa.Column("c2c_until", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("group_until", sa.BigInteger, nullable=False, server_default="0"),
)
