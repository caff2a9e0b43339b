#pragma once
// The request ceiling in front of an API provider's transport: every request the provider sends
// (reads, writes, polls, zone look-ups) draws its token here, so none can bypass it. A request
// whose token would take longer than the ceiling's max_wait is not sent: RateLimited, with the
// wait as retry_after.

#include <memory>
#include <string>

#include "net/http_client.hpp"
#include "providers/request_ceiling.hpp"

namespace planb::providers {

class CeilingTransport final : public net::HttpTransport {
 public:
  // Throws std::invalid_argument without a transport or a ceiling.
  CeilingTransport(std::shared_ptr<net::HttpTransport> inner,
                   std::shared_ptr<RequestCeiling> ceiling);

  net::Result<net::HttpResponse> send(const net::HttpRequest& request) override;

 private:
  std::shared_ptr<net::HttpTransport> inner_;
  std::shared_ptr<RequestCeiling> ceiling_;
};

// `transport` behind `ceiling`, or behind `fallback` when no ceiling is given. A null transport
// stays null, for the provider's own check.
std::shared_ptr<net::HttpTransport> behindCeiling(std::shared_ptr<net::HttpTransport> transport,
                                                  std::shared_ptr<RequestCeiling> ceiling,
                                                  CeilingRate fallback);

}  // namespace planb::providers
