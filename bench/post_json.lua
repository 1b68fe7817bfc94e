-- wrk script for bench/run.py: POSTs one JSON body (read from the file given as the first
-- argument) to the measured path, as a coder's browser would.
dofile(os.getenv("BENCH_REPORTER"))

local body = ""
local headers = {}

init = function(args)
  local file = io.open(args[1], "rb")
  body = file:read("*a")
  file:close()
  headers["Content-Type"] = "application/json"
  headers["X-Forwarded-Proto"] = "https"
end

request = function()
  return wrk.format("POST", nil, headers, body)
end
