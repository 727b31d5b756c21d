"""Alembic migrations of the registry database (applied by ``skillcert init`` and at start)."""
