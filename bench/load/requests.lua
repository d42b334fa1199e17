-- wrk script for `make bench`: sends the requests listed in the file named
-- by WRK_REQUESTS in turn (each thread starting at its own place), and
-- writes the run's figures as JSON to the file named by WRK_OUT.
--
-- A line of the requests file: method, path, body, then headers as
-- "Name: value", separated by tabs.

local requests, n, i = {}, 0, 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("index", threads)
end

function init(args)
  for line in io.lines(os.getenv("WRK_REQUESTS")) do
    local f = {}
    for field in (line .. "\t"):gmatch("([^\t]*)\t") do f[#f + 1] = field end
    local headers = {}
    for k = 4, #f do
      local name, value = f[k]:match("^([^:]+):%s*(.*)$")
      headers[name] = value
    end
    local body = nil
    if f[3] ~= "" then body = f[3] end
    n = n + 1
    requests[n] = wrk.format(f[1], f[2], headers, body)
  end
  i = (index or 0) * 7919 % n
end

function request()
  i = i % n + 1
  return requests[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  local out = assert(io.open(os.getenv("WRK_OUT"), "w"))
  out:write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
  out:close()
end
