#include "providers/ceiling_transport.hpp"

#include <stdexcept>

#include "providers/ceiling_message.hpp"

namespace planb::providers {

namespace {

// The longest a request waits for its token when the provider was given no ceiling: the
// transport's own default total timeout.
constexpr std::chrono::milliseconds kDefaultMaxWait = net::HttpOptions{}.total_timeout;

}  // namespace

CeilingTransport::CeilingTransport(std::shared_ptr<net::HttpTransport> inner,
                                   std::shared_ptr<RequestCeiling> ceiling)
    : inner_(std::move(inner)), ceiling_(std::move(ceiling)) {
  if (!inner_ || !ceiling_) {
    throw std::invalid_argument("a request ceiling needs a transport and a ceiling");
  }
}

net::Result<net::HttpResponse> CeilingTransport::send(const net::HttpRequest& request) {
  if (auto wait = ceiling_->acquire()) {
    return ceilingRefusal(*ceiling_, *wait, request.method + " request");
  }
  return inner_->send(request);
}

std::shared_ptr<net::HttpTransport> behindCeiling(std::shared_ptr<net::HttpTransport> transport,
                                                  std::shared_ptr<RequestCeiling> ceiling,
                                                  CeilingRate fallback) {
  if (!transport) {
    return transport;
  }
  if (!ceiling) {
    ceiling = systemCeiling(fallback, kDefaultMaxWait);
  }
  return std::make_shared<CeilingTransport>(std::move(transport), std::move(ceiling));
}

}  // namespace planb::providers
