"""The lessons layer: a teacher's lesson (its data, question, strategies and fixed settings), the runs its
students make, and the database that keeps both (SQLAlchemy 2: an SQLite file by default, PostgreSQL when
``IMBALANCE_LAB_DATABASE_URL`` says so; the schema made and migrated by Alembic).

Uses the run, training and data layers and the shared modules; never TensorFlow, never Streamlit. The web
pages and the CLI both go through :mod:`.store`, so a lesson made on one is the same lesson on the other, and
several web servers on one PostgreSQL share lessons and boards.
"""
