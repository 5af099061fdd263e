-- Real-host test, run by run_ardour_test.sh through `ardour7-lua` (Ardour's headless
-- Lua session tool) on the Dummy audio backend:
--   create a session; put "ACE Noise" -> ComfyBridge on one track per plugin format;
--   roll; check the plugin is there, runs (Ardour's per-plugin DSP timing stats) and
--   passes the noise on (track meter, after the plugin); save; close; reload; check the
--   same again; remove the plugins; save; close; reload; check they are gone.
-- Prints "ok: ..." / "FAIL: ..." lines, timings as "time <what> <ms>", and last
-- "RESULT <failures>" (ardour7-lua's own exit code does not reflect Lua errors).
--
-- usage: ardour7-lua ardour_session_test.lua SESSION_DIR FORMAT [FORMAT...]
--   FORMAT is LV2 or VST3 (VST3 needs the bundle in ~/.vst3 and ardour-vst3-scanner run first).

local session_dir = arg[1]
local session_name = "comfybridge-host-test"
local formats = {}
for i = 2, #arg do formats[#formats + 1] = arg[i] end

local ids = {
	LV2 = { id = "http://comfybridge/lv2/comfybridge", type = ARDOUR.PluginType.LV2 },
	VST3 = { id = "ComfyBridge", type = ARDOUR.PluginType.VST3 }, -- Ardour finds VST3 plugins by name or class id
}

local failures = 0
local function ok (what) print ("ok: " .. what) end
local function fail (what) print ("FAIL: " .. what); failures = failures + 1 end
local function check (cond, what) if cond then ok (what) else fail (what) end; return cond end
local function now_ms () return ARDOUR.LuaAPI.monotonic_time () / 1000.0 end
local function timed (what, fn)
	local t0 = now_ms ()
	local result = fn ()
	print (string.format ("time %s %.1f", what, now_ms () - t0))
	return result
end

local function track_name (format) return "CB " .. format end

-- The ComfyBridge processor on a track (nil if none), found by the plugin's own id.
local function find_comfybridge (track)
	local i = 0
	while true do
		local proc = track:nth_plugin (i)
		if proc:isnil () then return nil end
		local insert = proc:to_insert ()
		if not insert:isnil () then
			local plugin = insert:plugin (0)
			if not plugin:isnil () and (plugin:name () == "ComfyBridge" or plugin:unique_id () == ids.LV2.id) then
				return proc
			end
		end
		i = i + 1
	end
end

local function roll (seconds)
	local start = Session:transport_sample ()
	Session:request_roll (ARDOUR.TransportRequestSource.TRS_UI)
	ARDOUR.LuaAPI.usleep (math.floor (seconds * 1000000))
	local rolled = Session:transport_rolling () and Session:transport_sample () > start
	Session:request_stop (false, false, ARDOUR.TransportRequestSource.TRS_UI)
	ARDOUR.LuaAPI.usleep (200000)
	return rolled
end

-- Checks that each format's track holds a running ComfyBridge that passes audio.
local function check_plugins_run (phase)
	check (roll (1.5), phase .. ": transport rolled")
	for _, format in ipairs (formats) do
		local track = Session:route_by_name (track_name (format))
		if check (not track:isnil (), phase .. ": track '" .. track_name (format) .. "' exists") then
			local proc = find_comfybridge (track)
			if check (proc ~= nil, phase .. ": " .. format .. " ComfyBridge is on its track") then
				check (proc:active (), phase .. ": " .. format .. " ComfyBridge is active")
				local has_stats = proc:to_insert ():get_stats (0, 0, 0, 0)
				check (has_stats, phase .. ": " .. format .. " ComfyBridge processed audio (Ardour's DSP stats)")
				local level = track:peak_meter ():meter_level (0, ARDOUR.MeterType.MeterPeak)
				check (level > -40, string.format ("%s: %s the noise comes out after ComfyBridge (peak %.1f dBFS)", phase, format, level))
			end
		end
	end
end

-------------------------------------------------------------------------------
AudioEngine:set_backend ("None (Dummy)", "", "")
check (AudioEngine:current_backend_name () == "Dummy", "Dummy audio backend selected")

local s = timed ("create_session", function () return create_session (session_dir, session_name, 48000) end)
if not check (s ~= nil, "session created in " .. session_dir) then
	print ("RESULT " .. failures)
	return
end

for _, format in ipairs (formats) do
	local tl = Session:new_audio_track (2, 2, nil, 1, track_name (format), ARDOUR.PresentationInfo.max_order, ARDOUR.TrackMode.Normal, true)
	local track = tl:front ()
	local noise = ARDOUR.LuaAPI.new_luaproc (Session, "ACE Noise")
	check (not noise:isnil () and track:add_processor_by_index (noise, 0, nil, true) == 0, format .. ": noise generator added")

	local plugin = timed ("instantiate_" .. format, function ()
		return ARDOUR.LuaAPI.new_plugin (Session, ids[format].id, ids[format].type, "")
	end)
	if check (not plugin:isnil (), format .. ": ComfyBridge instantiated (" .. ids[format].id .. ")") then
		check (track:add_processor_by_index (plugin, 1, nil, true) == 0, format .. ": ComfyBridge added after the generator")
	end
end

check_plugins_run ("new session")
check (timed ("save", function () return Session:save_state ("", false, false, false) end) == 0, "session saved")
timed ("close_session", function () close_session () end)

-- Reload: the plugins come back from the saved session and run again.
local s2 = timed ("load_session", function () return load_session (session_dir, session_name) end)
if check (s2 ~= nil, "session reloaded") then
	check_plugins_run ("reloaded session")

	for _, format in ipairs (formats) do
		local track = Session:route_by_name (track_name (format))
		local proc = not track:isnil () and find_comfybridge (track) or nil
		if proc ~= nil then
			local rv = timed ("remove_" .. format, function () return track:remove_processor (proc, nil, true) end)
			check (rv == 0 and find_comfybridge (track) == nil, format .. ": ComfyBridge removed")
		end
	end

	check (Session:save_state ("", false, false, false) == 0, "session saved without the plugins")
	timed ("close_session_2", function () close_session () end)

	local s3 = load_session (session_dir, session_name)
	if check (s3 ~= nil, "session reloaded again") then
		for _, format in ipairs (formats) do
			local track = Session:route_by_name (track_name (format))
			check (not track:isnil () and find_comfybridge (track) == nil, format .. ": ComfyBridge stays removed after reload")
		end
		close_session ()
	end
end

print ("RESULT " .. failures)
