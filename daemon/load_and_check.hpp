#pragma once
// Loading a configuration the way planbd starts with it, for planbd and `planbctl check` alike:
// the file, then what only I/O can tell. Needs no event loop (no Asio, Beast, prometheus-cpp or
// libsystemd), so planbctl links it alone.

#include <string>

#include "config/config.hpp"

namespace planb::daemon {

// Loads PATH and checks what only I/O can tell: each provider is built once (key files exist,
// parse, are private; its minimum TTL against the records'), and each probe's and canary's files
// (ca_file, signing credentials) are read. Throws config::ConfigErrors.
config::Config loadAndCheck(const std::string& path);

}  // namespace planb::daemon
