-- wrk.lua: the one wrk script of `make bench`.  WRK_MODE picks the request:
--   get (default)  the URL as given
--   post           POST WRK_BODY as application/json
--   range          GET with a random 1 MiB "Range" inside WRK_SIZE bytes
--   inm            GET with "If-None-Match: WRK_INM" (a revalidation)
-- done() prints one JSON line (prefixed "WRKJSON ") that bench.py reads.
local mode = os.getenv("WRK_MODE") or "get"
local size = tonumber(os.getenv("WRK_SIZE") or "0")
local chunk = 1048576

if mode == "post" then
	wrk.method = "POST"
	wrk.body = os.getenv("WRK_BODY")
	wrk.headers["Content-Type"] = "application/json"
end

if mode == "inm" then
	wrk.headers["If-None-Match"] = os.getenv("WRK_INM")
end

function setup(thread)
	thread:set("seed", math.random(1, 1000000))
end

function init(args)
	math.randomseed(seed or os.time())
end

if mode == "range" then
	request = function()
		local first = math.random(0, math.floor((size - chunk) / 4096)) * 4096
		return wrk.format("GET", nil,
		    { Range = "bytes=" .. first .. "-" .. (first + chunk - 1) })
	end
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format('WRKJSON {"requests": %d, "duration_us": %d, ' ..
	    '"bytes": %d, "connect": %d, "read": %d, "write": %d, ' ..
	    '"status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, ' ..
	    '"p99_us": %d, "max_us": %d}\n',
	    summary.requests, summary.duration, summary.bytes, e.connect, e.read,
	    e.write, e.status, e.timeout, latency:percentile(50),
	    latency:percentile(90), latency:percentile(99), latency.max))
end
