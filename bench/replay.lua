-- wrk script: send prepared raw HTTP requests from a file, each at most once ("once") or in a
-- cycle ("cycle"), and print the figures as one JSON line. Requests are separated by a line
-- holding only "\0REQ\0". Usage: wrk ... -s replay.lua -- FILE MODE
local requests = {}
local index = 0
local mode = "cycle"
local exhausted = 0

function init(args)
  local path = args[1]
  mode = args[2] or "cycle"
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  local sep = "\0REQ\0\n"
  local start = 1
  while true do
    local s, e = string.find(data, sep, start, true)
    if not s then
      if start <= #data then table.insert(requests, string.sub(data, start)) end
      break
    end
    table.insert(requests, string.sub(data, start, s - 1))
    start = e + 1
  end
end

function request()
  index = index + 1
  if index > #requests then
    exhausted = exhausted + 1
    index = 1
  end
  return requests[index]
end

function done(summary, latency, requests_)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"mean_us": %.1f, "errors_connect": %d, "errors_read": %d, "errors_write": %d, "errors_status": %d, ' ..
    '"errors_timeout": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
