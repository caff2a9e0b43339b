#pragma once
// The rehearsal's proof (product.md §11): does an authoritative server answer a TXT value at a
// name? Asked non-recursively (RD=0) over TCP, as the verifier asks for a CNAME after a write.

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "providers/dns_provider.hpp"

namespace planb::daemon {

// The TXT values SERVER serves at NAME, each RR's character-strings joined; empty for NXDOMAIN or
// NODATA. Errors as providers::queryCname's: an answer without the AA flag is Permanent.
providers::Result<std::vector<std::string>> queryTxt(const config::HostPort& server,
                                                     const std::string& name,
                                                     std::chrono::milliseconds timeout);

// Blocking; run it off the event loop. Asks every server until it answers VALUE at NAME, for at
// most WITHIN (each server is asked at least once), or until STOP is set. Returns the servers
// that never answered it, each with what it answered last ("192.0.2.1:53 (answered no TXT)").
std::vector<std::string> serversMissingTxt(const std::vector<config::HostPort>& servers,
                                           const std::string& name, const std::string& value,
                                           std::chrono::milliseconds within,
                                           const std::atomic<bool>& stop);

}  // namespace planb::daemon
