/*******************************************************************************
 The block below describes the properties of this module, and is read by
 the Projucer and JUCE's CMake API to automatically generate project code that
 uses it.

 BEGIN_JUCE_MODULE_DECLARATION

  ID:                 comfybridge_core
  vendor:             ComfyBridge
  version:            0.1.0
  name:               ComfyBridge core
  description:        Connection to a ComfyUI backend: config, status, health checks,
                      background reconnection and fallback. No GUI, no plugin code.
  website:            https://github.com/comfybridge
  license:            GPL/Commercial
  minimumCppStandard: 17

  dependencies:       juce_core juce_events juce_data_structures juce_graphics juce_cryptography juce_audio_basics juce_audio_formats
  linuxLibs:          curl ssl crypto png pthread FLAC

 END_JUCE_MODULE_DECLARATION

*******************************************************************************/

#pragma once
#define COMFYBRIDGE_CORE_H_INCLUDED

#include <juce_core/juce_core.h>
#include <juce_events/juce_events.h>
#include <juce_data_structures/juce_data_structures.h>
#include <juce_graphics/juce_graphics.h>
#include <juce_cryptography/juce_cryptography.h>
#include <juce_audio_basics/juce_audio_basics.h>
#include <juce_audio_formats/juce_audio_formats.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <functional>
#include <memory>
#include <optional>
#include <vector>
#include <set>

#include "crypto/Digests.h"
#include "util/GuardedTimer.h"
#include "ws/Utf8.h"
#include "config/FallbackMode.h"
#include "config/ComfyUIConfig.h"
#include "config/UserDefaults.h"
#include "status/Endpoint.h"
#include "status/ComfyUIStatus.h"
#include "status/StatusText.h"
#include "net/HttpClient.h"
#include "net/CurlHttpClient.h"
#include "api/HealthProbe.h"
#include "ws/WebSocketClient.h"
#include "ws/ComfyUIFrames.h"
#include "audio/AudioClip.h"
#include "audio/AudioFileCodec.h"
#include "audio/HostTransport.h"
#include "audio/AudioCapture.h"
#include "audio/ClipPlayer.h"
#include "image/PngEncoder.h"
#include "image/PlaceholderRenderer.h"
#include "generation/WorkflowLibrary.h"
#include "generation/GenerationSettings.h"
#include "generation/GenerationEngine.h"
#include "audio/AudioSession.h"
#include "readiness/CorsProbe.h"
#include "readiness/NodeCatalog.h"
#include "readiness/WorkflowReadiness.h"
#include "readiness/WorkflowGraphFormat.h"
#include "readiness/WorkflowDeployer.h"
#include "readiness/ModelDownloader.h"
#include "readiness/ModelDownloadQueue.h"
#include "readiness/ReadinessChecker.h"
#include "connection/MetricsRecorder.h"
#include "connection/ReconnectPolicy.h"
#include "connection/PingMonitor.h"
#include "connection/PortDiscovery.h"
#include "connection/ConnectionManager.h"
#include "connection/SharedConnectionManagers.h"
