// The one root translation unit of the comfybridge_gui module.

#include "comfybridge_gui.h"

#include <cmath>

#include "look/ComfyBridgeLookAndFeel.cpp"
#include "components/StateLight.cpp"
#include "components/StatusBadge.cpp"
#include "components/ResultImageView.cpp"
#include "components/WaveformView.cpp"
#include "panels/AudioGenerationSection.cpp"
#include "panels/StatusPanelHelpers.h"
#include "panels/StatusPanel.cpp"
#include "panels/StatusPanelLayout.cpp"
#include "panels/PreferencesPanel.cpp"
#include "panels/PreferencesLayout.cpp"
#include "panels/GenerationViewHelpers.h"
#include "panels/GenerationView.cpp"
#include "panels/GenerationViewSettings.cpp"
#include "panels/GenerationViewFields.cpp"
#include "panels/GenerationViewJob.cpp"
#include "views/MainView.cpp"
