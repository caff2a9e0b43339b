#pragma once
// An HttpTransport that answers with the replies a test queued, in order, and keeps every
// request for inspection; a request beyond the queue fails as Permanent. For providers whose
// exchanges a test spells out one by one (scripted_transport.hpp answers from a handler instead).

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "net/http_client.hpp"

namespace planb::testing {

class CannedTransport final : public net::HttpTransport {
 public:
  net::Result<net::HttpResponse> send(const net::HttpRequest& request) override {
    requests.push_back(request);
    if (replies.empty()) {
      return net::Error{net::ErrorKind::Permanent, "the test gave no reply for " + request.url, {}};
    }
    net::Result<net::HttpResponse> reply = std::move(replies.front());
    replies.pop_front();
    return reply;
  }

  CannedTransport& reply(long status, std::string body = "", net::Headers headers = {}) {
    replies.emplace_back(net::HttpResponse{status, std::move(headers), std::move(body)});
    return *this;
  }
  CannedTransport& fail(net::ErrorKind kind, std::string message) {
    replies.emplace_back(net::Error{kind, std::move(message), {}});
    return *this;
  }

  std::vector<net::HttpRequest> requests;
  std::deque<net::Result<net::HttpResponse>> replies;
};

}  // namespace planb::testing
