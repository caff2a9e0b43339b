#pragma once
// The daemon's configuration: whoever includes it from below breaks the layers.
#include "core/pure.hpp"
