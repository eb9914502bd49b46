"""The rules of the domain. Imports no web framework, ORM or storage client."""
