"""The commander's database: SQLAlchemy 2.0 models, async engine, alembic migrations."""
