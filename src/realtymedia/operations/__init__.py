"""What an operator runs the service with: health and readiness, Prometheus metrics, and one JSON
log line per request (uvicorn's wiring, workers and graceful shutdown are in realtymedia.server).

None of it knows a dialect's rules: each piece sees requests from outside, by route template,
credential and address, and answers in the dialect's format only where it refuses one.
"""
