#pragma once
// Addresses planbd resolved itself for the hosts it must reach (product.md §11, planbd's own
// dependencies). The HTTP transport asks before each request and hands them to libcurl
// (CURLOPT_RESOLVE), so a system resolver that fails with a vendor cannot stop a failover.

#include <string>
#include <vector>

namespace planb::net {

class HostAddresses {
 public:
  virtual ~HostAddresses() = default;
  // The IP literals (IPv6 without brackets) to connect to for HOST (lower case), best first;
  // empty: none known, the transport resolves the name as usual. Called from any thread.
  virtual std::vector<std::string> addressesOf(const std::string& host) const = 0;
};

}  // namespace planb::net
