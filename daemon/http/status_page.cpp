#include "http/status_page.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <boost/beast/http/field.hpp>
#include <map>
#include <memory>
#include <utility>

namespace planb::http {

namespace {

namespace bhttp = boost::beast::http;

Response withPageHeaders(Response response) {
  response.set("Content-Security-Policy",
               boost::beast::string_view(kStatusPageCsp.data(), kStatusPageCsp.size()));
  response.set(bhttp::field::cache_control, "no-store");
  response.set("X-Content-Type-Options", "nosniff");
  response.set("X-Frame-Options", "DENY");
  response.set("Referrer-Policy", "no-referrer");
  return response;
}

Response pageResponse(const Request& request, Status status, std::string body,
                      std::string_view content_type) {
  return withPageHeaders(makeResponse(request, status, std::move(body), content_type));
}

constexpr std::string_view kJson = "application/json";

std::string lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  if (!out.empty() && out.back() == '.') {
    out.pop_back();
  }
  return out;
}

// ROUTE, answering 421 to a request whose Host the page does not answer to.
Handler hostChecked(std::function<std::vector<std::string>()> hosts, Handler route) {
  return [hosts = std::move(hosts), route = std::move(route)](const Request& request,
                                                              const PeerInfo& peer) {
    auto header = request[bhttp::field::host];
    std::string_view host(header.data(), header.size());
    std::vector<std::string> extra = hosts ? hosts() : std::vector<std::string>{};
    if (!statusHostAllowed(host, extra)) {
      return pageResponse(request, Status::misdirected_request,
                          "this page answers to its IP address, localhost and [daemon] "
                          "status_hosts, not to the name this request was sent to\n",
                          "text/plain; charset=utf-8");
    }
    return route(request, peer);
  };
}

// The value of `name` in the request target's query string, if it is there.
std::optional<std::string_view> queryValue(const Request& request, std::string_view name) {
  std::string_view target(request.target().data(), request.target().size());
  auto q = target.find('?');
  if (q == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) {
      break;
    }
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// 1..kStatusPageHistoryLimit; nullopt when `text` is anything else.
std::optional<std::size_t> historyLimit(std::string_view text) {
  if (text.empty() || text.size() > 3) {
    return std::nullopt;
  }
  std::size_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  if (n == 0 || n > kStatusPageHistoryLimit) {
    return std::nullopt;
  }
  return n;
}

// The audit log read at most once per kStatusPageHistoryReuse for each limit. The server runs on
// one thread, so no lock.
struct HistoryCache {
  struct Entry {
    std::chrono::steady_clock::time_point at;
    std::string body;
  };
  std::map<std::size_t, Entry> by_limit;
};

}  // namespace

bool statusHostAllowed(std::string_view host, const std::vector<std::string>& extra) {
  if (host.empty()) {
    return true;  // not a browser: HTTP/1.0 without Host
  }
  std::string name;
  if (host.front() == '[') {
    auto close = host.find(']');
    if (close == std::string_view::npos) {
      return false;
    }
    in6_addr v6{};
    return ::inet_pton(AF_INET6, std::string(host.substr(1, close - 1)).c_str(), &v6) == 1 &&
           (close + 1 == host.size() || host[close + 1] == ':');
  }
  name = lowered(host.substr(0, host.find(':')));
  in_addr v4{};
  if (::inet_pton(AF_INET, name.c_str(), &v4) == 1 || name == "localhost") {
    return true;
  }
  return std::any_of(extra.begin(), extra.end(),
                     [&](const std::string& allowed) { return lowered(allowed) == name; });
}

Router withStatusPage(Router router, StatusPageData data) {
  auto checked = [hosts = data.hosts](Handler route) {
    return hostChecked(hosts, std::move(route));
  };
  for (const StatusPageAsset& asset : statusPageAssets()) {
    router.on(Verb::get, std::string(asset.path),
              checked([asset](const Request& request, const PeerInfo&) {
                return pageResponse(request, Status::ok, std::string(asset.body),
                                    asset.content_type);
              }));
  }
  // Browsers ask for it on their own; nothing, rather than a 404 in the console.
  router.on(Verb::get, "/favicon.ico", [](const Request& request, const PeerInfo&) {
    Response response = pageResponse(request, Status::no_content, "", "image/x-icon");
    response.content_length(0);
    return response;
  });
  router.on(Verb::get, "/v1/status",
            checked([status = std::move(data.status)](const Request& request, const PeerInfo&) {
              return pageResponse(request, Status::ok, status(), kJson);
            }));
  auto cache = std::make_shared<HistoryCache>();
  router.on(
      Verb::get, "/v1/history",
      checked([history = std::move(data.history), cache](const Request& request, const PeerInfo&) {
        std::size_t limit = kStatusPageHistoryLimit;
        if (auto text = queryValue(request, "limit")) {
          auto parsed = historyLimit(*text);
          if (!parsed) {
            return pageResponse(request, Status::bad_request,
                                "{\"ok\": false, \"error\": \"limit must be a number from 1 "
                                "to " +
                                    std::to_string(kStatusPageHistoryLimit) + "\"}\n",
                                kJson);
          }
          limit = *parsed;
        }
        auto now = std::chrono::steady_clock::now();
        auto& entry = cache->by_limit[limit];
        if (entry.body.empty() || now - entry.at >= kStatusPageHistoryReuse) {
          entry.body = history(limit);
          entry.at = now;
        }
        return pageResponse(request, Status::ok, entry.body, kJson);
      }));
  return router;
}

}  // namespace planb::http
