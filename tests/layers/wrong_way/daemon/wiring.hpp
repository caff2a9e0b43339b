#pragma once
// The daemon may include every layer.
#include "probes/probe.hpp"
#include "providers/writer.hpp"
