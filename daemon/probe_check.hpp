#pragma once
// What loading a configuration checks of its probes beyond the file itself, without building
// them (no io_context, no Asio): the URL, the ca_file and the signing credentials, with the
// messages makeProbe would give.

#include <functional>

#include "config/config.hpp"
#include "net/sigv4.hpp"

namespace planb::probes {

// sign = "aws-sigv4": the credentials are read now, when the probe is built (at start and at each
// reload), so a missing or unsafe file is reported then. Throws std::invalid_argument naming the
// file, never its content.
net::SigV4Identity readSigning(const config::SigV4ProbeSettings& settings);

// The probe's signing credentials as its files hold them at each call: re-read when a file
// changes, the last good value while one cannot be read. Throws std::invalid_argument as
// readSigning does.
std::function<net::SigV4Credentials()> watchSigning(const config::SigV4ProbeSettings& settings);

// Throws std::invalid_argument ("probe NAME: …") when the probe's URL cannot be used, its
// ca_file cannot be read or applies to plain http, its signing credentials cannot be read, or a
// dns probe's server is not an address.
void checkProbeFiles(const config::ProbeConfig& config);

}  // namespace planb::probes
