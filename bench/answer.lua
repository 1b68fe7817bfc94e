-- wrk script for bench/run.py: quiz answers, each POSTed to the first question of an attempt of
-- its own (a fresh answer stored every time) until the prepared attempts run out; then they are
-- sent again (a resend, which stores nothing). Arguments: the file of question paths, the
-- cookie header, the CSRF token, the origin.
dofile(os.getenv("BENCH_REPORTER"))

local paths = {}
local next_path = 0
local headers = {}
local body = ""

init = function(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  headers["Cookie"] = args[2]
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["Origin"] = args[4]
  headers["X-Forwarded-Proto"] = "https"
  body = "claim=64493-50%2C+64494-RT&csrfmiddlewaretoken=" .. args[3]
end

request = function()
  next_path = next_path % #paths + 1
  local path = paths[next_path]
  headers["Referer"] = headers["Origin"] .. path
  return wrk.format("POST", path, headers, body)
end
