#pragma once
// An HttpTransport that answers with the replies a test queued, in order, and keeps every
// request for inspection; a request beyond the queue fails as Permanent. For providers whose
// exchanges a test spells out one by one (scripted_transport.hpp answers from a handler instead).

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "providers/http_client.hpp"

namespace planb::testing {

class CannedTransport final : public providers::HttpTransport {
 public:
  providers::Result<providers::HttpResponse> send(const providers::HttpRequest& request) override {
    requests.push_back(request);
    if (replies.empty()) {
      return providers::ProviderError{
          providers::ErrorKind::Permanent, "the test gave no reply for " + request.url, {}};
    }
    providers::Result<providers::HttpResponse> reply = std::move(replies.front());
    replies.pop_front();
    return reply;
  }

  CannedTransport& reply(long status, std::string body = "", providers::Headers headers = {}) {
    replies.emplace_back(providers::HttpResponse{status, std::move(headers), std::move(body)});
    return *this;
  }
  CannedTransport& fail(providers::ErrorKind kind, std::string message) {
    replies.emplace_back(providers::ProviderError{kind, std::move(message), {}});
    return *this;
  }

  std::vector<providers::HttpRequest> requests;
  std::deque<providers::Result<providers::HttpResponse>> replies;
};

}  // namespace planb::testing
