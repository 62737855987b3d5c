"""Alembic environment: run with a connection handed over by confab.store (see Store.migrate)."""

from alembic import context

from confab.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - Confab always passes its own connection
    raise RuntimeError("run migrations through `confab migrate` or server start-up")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
