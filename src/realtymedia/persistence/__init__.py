"""Everything that talks SQL: the database (db.py), units of work and their repositories, the models, the
migrations. Portable across SQLite and PostgreSQL."""
