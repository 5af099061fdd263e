/*******************************************************************************
 BEGIN_JUCE_MODULE_DECLARATION

  ID:                 comfybridge_gui
  vendor:             ComfyBridge
  version:            0.1.0
  name:               ComfyBridge GUI
  description:        Components that show and edit a ComfyBridge connection:
                      status panel, preferences, generation view, main view
                      and the dark look and feel.
  website:            https://github.com/comfybridge
  license:            GPL/Commercial
  minimumCppStandard: 17

  dependencies:       comfybridge_core juce_gui_basics

 END_JUCE_MODULE_DECLARATION
*******************************************************************************/

#pragma once
#define COMFYBRIDGE_GUI_H_INCLUDED

#include <comfybridge_core/comfybridge_core.h>
#include <juce_gui_basics/juce_gui_basics.h>

#include <array>

#include "look/ComfyBridgeLookAndFeel.h"
#include "look/Styling.h"
#include "components/ManagerSubscription.h"
#include "components/StateLight.h"
#include "components/StatusBadge.h"
#include "components/FileDragOut.h"
#include "components/ResultImageView.h"
#include "components/WaveformView.h"
#include "panels/AudioGenerationSection.h"
#include "panels/StatusPanel.h"
#include "panels/PreferencesPanel.h"
#include "panels/GenerationView.h"
#include "views/MainView.h"
