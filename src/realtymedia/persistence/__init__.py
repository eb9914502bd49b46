"""Everything that talks SQL: the models, the repository, the migrations. Portable across SQLite and PostgreSQL."""
