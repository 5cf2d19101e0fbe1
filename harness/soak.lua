-- SPDX-License-Identifier: MIT
-- harness/soak.lua - wrk's script for make soak: GET SOAK_PREFIX..N with N
-- random below SOAK_MAX ("/N" for actor_server, "/?value=N" for
-- pool_server), answers counted by status; done() prints one line per
-- status class, "SOAK status 2xx N", and the first answer that was not
-- 2xx, for harness/soak to read. A 502 whose body says an actor died with
-- the request (actor_server's poison rule) is counted apart, as 502died.
local prefix = os.getenv("SOAK_PREFIX") or "/"
local max = tonumber(os.getenv("SOAK_MAX") or "100000")
local threads = {}
local seq = 0

function setup(thread)
	seq = seq + 1
	thread:set("id", seq)
	table.insert(threads, thread)
end

function init(args)
	math.randomseed(id * 7919 + os.time())
	n2xx, n400, n502, n502died, n503, n504, nother = 0, 0, 0, 0, 0, 0, 0
	first_error = ""
end

function request()
	return wrk.format("GET", prefix .. math.random(0, max - 1))
end

function response(status, headers, body)
	if (status < 200 or status >= 300) and first_error == "" then
		first_error = status .. " " .. string.sub(body or "", 1, 120)
	end
	if status >= 200 and status < 300 then n2xx = n2xx + 1
	elseif status == 400 then n400 = n400 + 1
	elseif status == 502 and string.find(body or "", "died", 1, true) then
		n502died = n502died + 1
	elseif status == 502 then n502 = n502 + 1
	elseif status == 503 then n503 = n503 + 1
	elseif status == 504 then n504 = n504 + 1
	else nother = nother + 1 end
end

function done(summary, latency, requests)
	local t = {n2xx = 0, n400 = 0, n502 = 0, n502died = 0, n503 = 0,
		   n504 = 0, nother = 0}
	for _, thread in ipairs(threads) do
		for k, _ in pairs(t) do
			t[k] = t[k] + (thread:get(k) or 0)
		end
	end
	for _, thread in ipairs(threads) do
		local e = thread:get("first_error")
		if e and e ~= "" then
			io.write("SOAK first-error " .. e:gsub("\n", " ") .. "\n")
			break
		end
	end
	for k, v in pairs(t) do
		io.write(string.format("SOAK status %s %d\n", k:sub(2), v))
	end
	local e = summary.errors
	io.write(string.format("SOAK socket connect=%d read=%d write=%d timeout=%d\n",
			       e.connect, e.read, e.write, e.timeout))
	io.write(string.format("SOAK requests %d\n", summary.requests))
end
