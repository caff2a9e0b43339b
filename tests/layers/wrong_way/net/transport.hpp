#pragma once
// net may include core: this include is allowed.
#include "core/pure.hpp"
