#pragma once
// What makes two configured probes the same probe, so a reload keeps its health history.

#include <string>

#include "config/config.hpp"

namespace planb::daemon {

// The whole of a probe's configuration (every key but where it was written) plus its target's
// name and vendor, encoded without ambiguity: equal identities mean the same probe checking the
// same thing the same way. Any change, however small, makes a new probe that starts Unknown.
// Holds header values as written: compare it, never log it.
std::string probeIdentity(const config::TargetConfig& target, const config::ProbeConfig& probe);

}  // namespace planb::daemon
