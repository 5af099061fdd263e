/*******************************************************************************
 BEGIN_JUCE_MODULE_DECLARATION

  ID:                 comfybridge_gui
  vendor:             ComfyBridge
  version:            0.1.0
  name:               ComfyBridge GUI
  description:        Components that show and edit a ComfyBridge connection:
                      status panel, preferences, generation view.
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

#include "panels/StatusPanel.h"
