// The one root translation unit of the comfybridge_core module: it includes
// every implementation file, as JUCE's own modules do.

#include "comfybridge_core.h"

#include <cmath>
#include <limits>
#include <ctime>
#include <cstdlib>
#include <variant>
#include <nlohmann/json.hpp>
#include <curl/curl.h>

#include "crypto/Digests.cpp"
#include "ws/Utf8.cpp"
#include "config/FallbackMode.cpp"
#include "config/ConfigFields.h"
#include "config/ConfigFields.cpp"
#include "config/ComfyUIConfig.cpp"
#include "config/UserDefaults.cpp"
#include "status/ComfyUIStatus.cpp"
#include "status/StatusText.cpp"
#include "net/CurlTransfer.h"
#include "net/CurlTransfer.cpp"
#include "net/CurlHttpClient.cpp"
#include "api/HealthProbe.cpp"
#include "ws/WebSocketClient.cpp"
#include "audio/Resampler.h"
#include "audio/Resampler.cpp"
#include "audio/AudioFileCodec.cpp"
#include "audio/AudioCapture.cpp"
#include "audio/ClipPlayer.cpp"
#include "image/PngEncoder.cpp"
#include "image/PlaceholderRenderer.cpp"
#include "generation/WorkflowLibrary.cpp"
#include "generation/AudioTransfer.h"
#include "generation/AudioTransfer.cpp"
#include "generation/GenerationEngine.cpp"
#include "audio/AudioSession.cpp"
#include "readiness/CorsProbe.cpp"
#include "readiness/WorkflowReadiness.cpp"
#include "readiness/WorkflowGraphFormat.cpp"
#include "readiness/WorkflowDeployer.cpp"
#include "readiness/ModelFileStore.cpp"
#include "readiness/ModelDownloader.cpp"
#include "readiness/ModelDownloadQueue.cpp"
#include "readiness/ReadinessChecker.cpp"
#include "connection/MetricsRecorder.cpp"
#include "connection/ReconnectPolicy.cpp"
#include "connection/PingMonitor.cpp"
#include "connection/PortDiscovery.cpp"
#include "connection/ConnectionManagerShared.h"
#include "connection/ConnectionWorker.cpp"
#include "connection/ConnectionLiveChannel.cpp"
#include "connection/LongWorkLane.cpp"
#include "connection/ConnectionManager.cpp"
#include "connection/SharedConnectionManagers.cpp"
