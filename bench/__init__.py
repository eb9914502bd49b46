"""The benchmark suite (`make bench`): the service as in production against a bare ASGI ceiling."""
