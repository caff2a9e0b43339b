#pragma once
// Probes by `type`: the translation of the config schema into each probe's own options. It lives
// in daemon/ (probes never see the config); its name stays in namespace probes, beside what it
// builds.

#include <boost/asio/io_context.hpp>
#include <memory>

#include "config/config.hpp"
#include "probes/probe.hpp"

namespace planb::probes {

// Builds the probe a ProbeConfig describes. Throws std::invalid_argument (with the probe's name)
// for what the probe cannot run: a bad URL, method or header, an unreadable ca_file or credential
// file (sign = "aws-sigv4": read here), a TCP port of 0, a dns server that is not an address.
std::unique_ptr<Probe> makeProbe(boost::asio::io_context& io, const config::ProbeConfig& config);

}  // namespace planb::probes
