#pragma once
// An HttpTransport that records every request and answers from a handler the test writes, so
// the provider's real codec runs without a socket.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "providers/http_client.hpp"

namespace planb::testing {

class ScriptedTransport final : public providers::HttpTransport {
 public:
  using Handler =
      std::function<providers::Result<providers::HttpResponse>(const providers::HttpRequest&)>;

  void answer(Handler handler) { handler_ = std::move(handler); }

  providers::Result<providers::HttpResponse> send(const providers::HttpRequest& request) override {
    requests.push_back(request);
    return handler_(request);
  }

  std::vector<providers::HttpRequest> requests;

 private:
  Handler handler_ = [](const providers::HttpRequest&) {
    return providers::Result<providers::HttpResponse>(
        providers::HttpResponse{500, {}, "no answer scripted"});
  };
};

inline providers::HttpResponse reply(long status, std::string body,
                                     providers::Headers headers = {}) {
  return providers::HttpResponse{status, std::move(headers), std::move(body)};
}

}  // namespace planb::testing
