#pragma once
// A probe: providers may not include it.
#include "net/transport.hpp"
