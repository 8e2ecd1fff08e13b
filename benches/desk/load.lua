-- wrk script: POST /api/v1/check with bodies taken in turn from $AIMAQ_BODIES
-- (one "content-type<TAB>body" a line), each thread starting at its own offset.
local bodies = {}
for line in io.lines(os.getenv("AIMAQ_BODIES")) do
  local ct, body = line:match("^([^\t]+)\t(.*)$")
  table.insert(bodies, wrk.format("POST", "/api/v1/check", { ["Content-Type"] = ct }, body))
end
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 7)
end
-- $AIMAQ_THINK_MS: each connection waits this long between an answer and its next
-- request, as a person at a desk would (wrk leaves the wait out of the latencies)
local think = tonumber(os.getenv("AIMAQ_THINK_MS") or "")
if think then
  function delay()
    return think
  end
end
local i = 0
function request()
  i = i + 1
  return bodies[((offset or 0) + i) % #bodies + 1]
end
function done(summary, latency, requests)
  io.write(string.format("p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000))
  io.write(string.format("requests %d, non-2xx/3xx %d, socket errors connect %d read %d write %d timeout %d\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
end
