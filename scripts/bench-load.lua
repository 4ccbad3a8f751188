-- wrk script of scripts/bench (measurement 5). Arguments after "--": METHOD [BODY [PATHS]]; "%ID%"
-- in BODY becomes a fresh id per request (unique per wrk thread); PATHS, comma-separated, are used
-- in turn instead of the URL's path. Headers come from wrk's -H.
-- Prints one JSON line with the same fields as dev.codebasechat.bench.LoadGenerator.
local method, body, prefix
local paths = {}
local counter = 0

init = function(args)
  method = args[1] or "GET"
  body = args[2]
  prefix = tostring({}):gsub("[^%w]", ""):sub(-12)
  for p in string.gmatch(args[3] or "", "[^,]+") do
    paths[#paths + 1] = p
  end
end

request = function()
  if body == nil or body == "-" then
    return wrk.format(method, nil, nil, nil)
  end
  counter = counter + 1
  local b = body:gsub("%%ID%%", prefix .. "-" .. counter)
  local path = nil
  if #paths > 0 then
    path = paths[(counter % #paths) + 1]
  end
  return wrk.format(method, path, nil, b)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"non2xx":%d,"errors":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
