"""Alembic's environment for the lessons database: it runs on the connection the store hands it
(``config.attributes["connection"]``), so the app, the CLI and the tests migrate the database they use."""

from alembic import context

from imbalance_core.lessons.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")  # SQLite alters tables by copying them
with context.begin_transaction():
    context.run_migrations()
