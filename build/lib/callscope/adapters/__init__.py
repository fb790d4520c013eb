"""Adapters: storage (SQLAlchemy Core on SQLite or PostgreSQL) behind repositories."""
