"""Message archives (open_msg_svc/get_history, seed 004 lines 27478-27726): one row per app, chat type and
hour that was processed, with what was written (domain.archives). An hour without messages has a row with
no file (`file` = ""), so neither the job nor the API looks at it again. Rows and files older than 7 days
are pruned together.
"""

import sqlalchemy as sa

from confab.store.tables.base import metadata
from confab.store.tables.groups import group_messages

archive_files = sa.Table(
    "archive_files",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("chat_type", sa.String(8), primary_key=True),  # "C2C" or "Group"
    sa.Column("hour_start", sa.BigInteger, primary_key=True, autoincrement=False),  # Unix time of the hour
    sa.Column("file", sa.String(128), nullable=False, server_default=""),  # name under archives/<sdkappid>/
    sa.Column("msg_count", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("file_size", sa.BigInteger, nullable=False, server_default="0"),  # before gzip
    sa.Column("file_md5", sa.String(32), nullable=False, server_default=""),
    sa.Column("gzip_size", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("gzip_md5", sa.String(32), nullable=False, server_default=""),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Index("ix_archive_files_hour", "hour_start"),  # pruning across apps
)

# An hour of an app's group messages, read in (msg_time, group, topic, seq) order: partial (messages, not
# tips), its key grows with time, so a send adds at the index's right edge.
ix_group_messages_time = sa.Index(
    "ix_group_messages_time",
    group_messages.c.sdkappid,
    group_messages.c.msg_time,
    sqlite_where=sa.text("kind = 'msg'"),
    postgresql_where=sa.text("kind = 'msg'"),
)
