"""The HTTP front doors: each dialect parses, calls a use case, and maps domain errors in one place."""
