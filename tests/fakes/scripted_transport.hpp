#pragma once
// An HttpTransport that records every request and answers from a handler the test writes, so
// the provider's real codec runs without a socket.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "net/http_client.hpp"

namespace planb::testing {

class ScriptedTransport final : public net::HttpTransport {
 public:
  using Handler = std::function<net::Result<net::HttpResponse>(const net::HttpRequest&)>;

  void answer(Handler handler) { handler_ = std::move(handler); }

  net::Result<net::HttpResponse> send(const net::HttpRequest& request) override {
    requests.push_back(request);
    return handler_(request);
  }

  std::vector<net::HttpRequest> requests;

 private:
  Handler handler_ = [](const net::HttpRequest&) {
    return net::Result<net::HttpResponse>(net::HttpResponse{500, {}, "no answer scripted"});
  };
};

inline net::HttpResponse reply(long status, std::string body, net::Headers headers = {}) {
  return net::HttpResponse{status, std::move(headers), std::move(body)};
}

}  // namespace planb::testing
