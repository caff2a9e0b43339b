#pragma once
// A provider that includes the daemon's configuration (upwards) and a probe (sideways).
#include "config/config.hpp"
#include "probes/probe.hpp"
