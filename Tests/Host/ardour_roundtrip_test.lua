-- Real-host round trip, run by run_ardour_test.sh through `ardour7-lua` on the Dummy backend:
--   a track "SinGen (1 kHz, -18 dBFS) -> ComfyBridge LV2"; the plugin is loaded with the
--   preset LABEL (an LV2 state choosing audio_gain, -6 dB, and a 1 s capture);
--   its "Arm capture" parameter is set through Ardour's automation control; the
--   transport rolls from 0 (the capture); "Generate" is set; once the result file is
--   written, the generator is switched off and the transport rolls from 0 again:
--   the track's output is the sine at -6 dB, where it was captured.
-- Prints "ok: ..." / "FAIL: ..." lines, "time <what> <ms>" and last "RESULT <failures>".
--
-- usage: ardour7-lua ardour_roundtrip_test.lua SESSION_DIR PRESET_LABEL RESULT_FOLDER

local session_dir, preset, result_folder = arg[1], arg[2], arg[3]
local lv2_uri = "http://comfybridge/lv2/comfybridge"

local failures = 0
local function ok (what) print ("ok: " .. what) end
local function fail (what) print ("FAIL: " .. what); failures = failures + 1 end
local function check (cond, what) if cond then ok (what) else fail (what) end; return cond end
local function now_ms () return ARDOUR.LuaAPI.monotonic_time () / 1000.0 end
local function finish () print ("RESULT " .. failures) end

local function roll (seconds)
	Session:request_roll (ARDOUR.TransportRequestSource.TRS_UI)
	ARDOUR.LuaAPI.usleep (math.floor (seconds * 1000000))
	Session:request_stop (false, false, ARDOUR.TransportRequestSource.TRS_UI)
	ARDOUR.LuaAPI.usleep (300000)
end

local function locate_start ()
	Session:request_locate (0, false, ARDOUR.LocateTransportDisposition.MustStop, ARDOUR.TransportRequestSource.TRS_UI)
	ARDOUR.LuaAPI.usleep (300000)
end

-- The plugin's automation control for the parameter @label / @id (nil if none). Ardour
-- names an LV2 property's control "property-<URI>" (JUCE's URI ends in ":<id>").
local function control_named (insert, label, id)
	local automatable = insert:to_automatable ()
	for param in automatable:all_automatable_params ():iter () do
		local control = automatable:automation_control (param, false)
		local name = not control:isnil () and control:name () or ""
		if name == label or name:sub (-(#id + 1)) == ":" .. id then
			return control
		end
	end
	return nil
end

-- The loudest sample the track put out over a roll of @seconds from 0, in dBFS.
local function peak_of_roll (track, seconds)
	locate_start ()
	track:peak_meter ():reset_max ()
	roll (seconds)
	return track:peak_meter ():meter_level (0, ARDOUR.MeterType.MeterMaxPeak)
end

local function result_file ()
	local listing = io.popen ("ls " .. result_folder .. "/*.flac 2>/dev/null")
	local name = listing:read ("*l")
	listing:close ()
	return name
end

-------------------------------------------------------------------------------
AudioEngine:set_backend ("None (Dummy)", "", "")
if not check (create_session (session_dir, "comfybridge-roundtrip", 48000) ~= nil, "session created") then return finish () end

local track = Session:new_audio_track (2, 2, nil, 1, "CB roundtrip", ARDOUR.PresentationInfo.max_order, ARDOUR.TrackMode.Normal, true):front ()
local sine = ARDOUR.LuaAPI.new_luaproc (Session, "SinGen")
check (not sine:isnil () and track:add_processor_by_index (sine, 0, nil, true) == 0, "sine generator added (1 kHz, -18 dBFS)")

local plugin = ARDOUR.LuaAPI.new_plugin (Session, lv2_uri, ARDOUR.PluginType.LV2, preset)
if not check (not plugin:isnil () and track:add_processor_by_index (plugin, 1, nil, true) == 0, "ComfyBridge LV2 added with the preset '" .. preset .. "'") then return finish () end

local insert = plugin:to_insert ()
local arm = control_named (insert, "Arm capture", "arm_capture")
local generate = control_named (insert, "Generate", "generate")
if not check (arm ~= nil and generate ~= nil, "the plugin's 'Arm capture' and 'Generate' are automatable in Ardour") then
	for param in insert:to_automatable ():all_automatable_params ():iter () do
		local control = insert:to_automatable ():automation_control (param, false)
		print ("  automatable: type " .. param:type () .. " id " .. param:id () .. " name '" .. (control:isnil () and "(none)" or control:name ()) .. "'")
	end
	return finish ()
end

-- Ardour tells LV2 plugins the transport's position when it changes: roll once first.
roll (0.3)
local dry = peak_of_roll (track, 0.5)
check (dry > -19 and dry < -17, string.format ("the sine passes through the plugin (peak %.2f dBFS)", dry))

-- Armed while stopped at 0: the capture starts when the transport rolls.
locate_start ()
arm:set_value (1, PBD.GroupControlDisposition.NoGroup)
ARDOUR.LuaAPI.usleep (200000)
roll (1.6)
arm:set_value (0, PBD.GroupControlDisposition.NoGroup)

local t0 = now_ms ()
generate:set_value (1, PBD.GroupControlDisposition.NoGroup)
roll (0.1) -- a block or two so the plugin sees the change (Ardour's stopped transport still runs the plugin)
local file = nil
for _ = 1, 200 do
	file = result_file ()
	if file ~= nil then break end
	ARDOUR.LuaAPI.usleep (50000)
end
print (string.format ("time generate_to_file %.1f", now_ms () - t0))
if not check (file ~= nil, "Generate made a result file in " .. result_folder) then return finish () end

-- Only the result can sound now.
sine:deactivate ()
ARDOUR.LuaAPI.usleep (200000)
local wet = peak_of_roll (track, 0.8)
check (wet - dry > -6.5 and wet - dry < -5.5, string.format ("the result is heard where it was captured at %.2f dB of the input (peak %.2f dBFS)", wet - dry, wet))

-- After the clip (1 s) the output is the silent dry input again.
Session:request_locate (48000 * 1.2, false, ARDOUR.LocateTransportDisposition.MustStop, ARDOUR.TransportRequestSource.TRS_UI)
ARDOUR.LuaAPI.usleep (300000)
track:peak_meter ():reset_max ()
roll (0.5)
check (track:peak_meter ():meter_level (0, ARDOUR.MeterType.MeterMaxPeak) < -80, "past the result, only the (silent) dry input")

close_session ()
finish ()
