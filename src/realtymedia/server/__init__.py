"""What stands between a socket and the application: the bounds a request must keep.

- `protocol`: uvicorn's HTTP protocol with limits on the request head (size, count of headers,
  request line: 431 and 414) and deadlines for a head or a body that arrives too slowly (408).
- `bodies`: every request body bounded before it is read (413), answered in the format of the
  part of the service the request was for.
- `uvicorn`: the one place where `realtymedia serve` and the tests configure uvicorn.
"""
