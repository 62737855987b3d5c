"""Message archives (issue 16, open_msg_svc/get_history, seed 27478-27726): the record of each app's
hourly archive files, and the index that reads an hour of an app's group messages

Revision ID: 0020_archives
Revises: 0019_push
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_archives"
down_revision = "0019_push"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_files",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("chat_type", sa.String(8), primary_key=True),
        sa.Column("hour_start", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("file", sa.String(128), nullable=False, server_default=""),
        sa.Column("msg_count", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("file_size", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("file_md5", sa.String(32), nullable=False, server_default=""),
        sa.Column("gzip_size", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("gzip_md5", sa.String(32), nullable=False, server_default=""),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_archive_files_hour", "archive_files", ["hour_start"])
    op.create_index(
        "ix_group_messages_time",
        "group_messages",
        ["sdkappid", "msg_time"],
        sqlite_where=sa.text("kind = 'msg'"),
        postgresql_where=sa.text("kind = 'msg'"),
    )


def downgrade() -> None:
    op.drop_index("ix_group_messages_time", table_name="group_messages")
    op.drop_index("ix_archive_files_hour", "archive_files")
    op.drop_table("archive_files")
