#pragma once
// A [guard] canary as a probe. A canary asks "can this host reach the internet?", so any answer
// counts: a TCP connection, any HTTP status, a DNS reply with NOERROR to ". NS" (dns:// canaries
// are recursive resolvers). Timing comes from probe_defaults.

#include <string>

#include "config/config.hpp"

namespace planb::daemon {

// CANARY has passed config validation (config::checkCanary).
config::ProbeConfig canaryProbe(const std::string& canary, const config::ProbeTiming& timing);

}  // namespace planb::daemon
