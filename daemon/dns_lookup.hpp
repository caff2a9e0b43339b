#pragma once
// The DNS questions planbd asks about its own dependencies (product.md §11), blocking and bounded
// by a timeout, so never on the event loop: the addresses of a host name through recursive
// resolvers, and a zone's delegation NS set from its parent's servers or the resolvers.

#include <chrono>
#include <string>
#include <vector>

#include "net/error.hpp"
#include "net/url.hpp"

namespace planb::daemon {

// The A and AAAA addresses of HOST (its CNAME chain followed by the resolver), asked of each of
// RESOLVERS in turn (recursion desired) until one answers; IPv4 first. An empty answer is an
// error ("no address"), as is every resolver failing (the last one's error).
net::Result<std::vector<std::string>> resolveAddresses(const std::vector<net::HostPort>& resolvers,
                                                       const std::string& host,
                                                       std::chrono::milliseconds timeout);

// The NS set of ZONE (canonical), sorted and canonical. With RECURSIVE false, SERVERS are the
// parent's: the referral's authority section (or the answer, when the server is also the zone's)
// is the delegation. With RECURSIVE true, SERVERS are resolvers asked for ZONE's NS set.
net::Result<std::vector<std::string>> lookupNameServers(const std::vector<net::HostPort>& servers,
                                                        const std::string& zone, bool recursive,
                                                        std::chrono::milliseconds timeout);

// The system's resolvers: the `nameserver` lines of RESOLV_CONF (port 53).
std::vector<net::HostPort> systemResolvers(const std::string& resolv_conf = "/etc/resolv.conf");

}  // namespace planb::daemon
