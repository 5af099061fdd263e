// The one root translation unit of the comfybridge_gui module.

#include "comfybridge_gui.h"

#include "panels/StatusPanel.cpp"
