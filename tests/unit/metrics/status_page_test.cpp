// The status page's routes, without sockets: embedded files, headers, read-only verbs, the
// history limit and its reuse.

#include "http/status_page.hpp"

#include <doctest/doctest.h>

#include <boost/beast/http/field.hpp>
#include <regex>

#include "http/metrics_handler.hpp"

namespace planb::http {
namespace {

namespace bhttp = boost::beast::http;

Request make(Verb verb, std::string target, std::string body = {}) {
  Request request(verb, target, 11);
  request.set(bhttp::field::host, "localhost");
  request.body() = std::move(body);
  request.prepare_payload();
  return request;
}

struct Page {
  int status_reads = 0;
  std::vector<std::size_t> history_reads;
  Router router = withStatusPage(
      Router(), {[this] {
                   ++status_reads;
                   return std::string("{\"records\": []}\n");
                 },
                 [this](std::size_t limit) {
                   history_reads.push_back(limit);
                   return "{\"entries\": [], \"limit\": " + std::to_string(limit) + "}\n";
                 },
                 {}});

  Response operator()(Verb verb, std::string target, std::string body = {}) {
    return router(make(verb, std::move(target), std::move(body)), PeerInfo{});
  }
};

std::string header(const Response& response, std::string_view name) {
  auto value = response[boost::beast::string_view(name.data(), name.size())];
  return std::string(value.data(), value.size());
}

void checkPageHeaders(const Response& response) {
  CHECK(header(response, "Content-Security-Policy").find("default-src 'self'") == 0);
  CHECK(header(response, "Content-Security-Policy").find("unsafe") == std::string::npos);
  CHECK(header(response, "Cache-Control") == "no-store");
  CHECK(header(response, "X-Content-Type-Options") == "nosniff");
}

TEST_CASE("the page, its stylesheet and script are embedded, self-contained and under 100 KB") {
  std::size_t total = 0;
  for (const StatusPageAsset& asset : statusPageAssets()) {
    total += asset.body.size();
    CAPTURE(asset.path);
    CHECK(!asset.body.empty());
    // Nothing from another host: no absolute URL, no protocol-relative one, no @import.
    CHECK(!std::regex_search(std::string(asset.body), std::regex(R"(https?://|@import|url\()")));
    CHECK(!std::regex_search(std::string(asset.body),
                             std::regex(R"((src|href)\s*=\s*"(//|[a-z]+:))")));
  }
  CHECK(total < 100'000);
  CHECK(statusPageAssets().size() == 3);
}

TEST_CASE("GET / and its files answer with their types and the page's headers") {
  Page page;
  for (auto [path, type] : {std::pair{"/", "text/html; charset=utf-8"},
                            std::pair{"/status.css", "text/css; charset=utf-8"},
                            std::pair{"/status.js", "text/javascript; charset=utf-8"}}) {
    const char* shown = path;  // CAPTURE is a lambda: no structured binding in it (clang)
    CAPTURE(shown);
    Response response = page(Verb::get, path);
    CHECK(response.result() == Status::ok);
    CHECK(header(response, "Content-Type") == type);
    checkPageHeaders(response);
  }
  Response html = page(Verb::get, "/?refresh=1");
  CHECK(html.body().find("<title>planb status</title>") != std::string::npos);
  CHECK(html.body().find("<script src=\"status.js\" defer></script>") != std::string::npos);
  CHECK(page(Verb::get, "/favicon.ico").result() == Status::no_content);
  CHECK(page(Verb::get, "/nothing").result() == Status::not_found);
}

TEST_CASE("the Fleet panel is there, hidden, for the status document's cluster object") {
  Page page;
  std::string html = page(Verb::get, "/").body();
  CHECK(html.find("<section id=\"fleet\" aria-labelledby=\"fleet-title\" hidden>") !=
        std::string::npos);
  std::string js = page(Verb::get, "/status.js").body();
  CHECK(js.find("const c = doc.cluster;") != std::string::npos);
  CHECK(js.find("no leader: nobody writes DNS") != std::string::npos);
}

TEST_CASE("v1/status answers the daemon's document, read on every request") {
  Page page;
  Response response = page(Verb::get, "/v1/status");
  CHECK(response.result() == Status::ok);
  CHECK(header(response, "Content-Type") == "application/json");
  CHECK(response.body() == "{\"records\": []}\n");
  checkPageHeaders(response);
  page(Verb::get, "/v1/status");
  CHECK(page.status_reads == 2);
}

TEST_CASE("every other method answers 405 with Allow: GET and reads nothing") {
  Page page;
  for (Verb verb : {Verb::post, Verb::put, Verb::delete_, Verb::patch}) {
    for (std::string path : {"/", "/status.js", "/status.css", "/v1/status", "/v1/history"}) {
      CAPTURE(path);
      Response response = page(verb, path, "{\"record\": \"www\", \"target\": \"b\"}");
      CHECK(response.result() == Status::method_not_allowed);
      CHECK(header(response, "Allow") == "GET");
    }
  }
  CHECK(page.status_reads == 0);
  CHECK(page.history_reads.empty());
  // The admin API's verbs are not there at all.
  CHECK(page(Verb::post, "/v1/failover").result() == Status::not_found);
  CHECK(page(Verb::post, "/v1/reload").result() == Status::not_found);
}

TEST_CASE("v1/history takes a limit of 1 to 50, 50 by default") {
  Page page;
  CHECK(page(Verb::get, "/v1/history").body().find("\"limit\": 50") != std::string::npos);
  CHECK(page(Verb::get, "/v1/history?limit=7").body().find("\"limit\": 7") != std::string::npos);
  CHECK(page(Verb::get, "/v1/history?x=1&limit=3&y").body().find("\"limit\": 3") !=
        std::string::npos);
  for (std::string bad : {"0", "51", "-1", "x", "", "1e3", "0050000"}) {
    CAPTURE(bad);
    Response response = page(Verb::get, "/v1/history?limit=" + bad);
    CHECK(response.result() == Status::bad_request);
    CHECK(response.body().find("limit must be a number from 1 to 50") != std::string::npos);
  }
  CHECK(page.history_reads == std::vector<std::size_t>{50, 7, 3});
}

TEST_CASE("v1/history is read at most once a second for each limit") {
  Page page;
  page(Verb::get, "/v1/history");
  page(Verb::get, "/v1/history?limit=50");
  page(Verb::get, "/v1/history?limit=10");
  CHECK(page.history_reads == std::vector<std::size_t>{50, 10});
}

TEST_CASE("metrics_listen keeps /metrics and /healthz beside the page") {
  Router router = withStatusPage(
      metricsHandler([] { return std::string("planb_build_info 1\n"); }, [] { return true; }),
      {[] { return std::string("{}"); }, [](std::size_t) { return std::string(); }, {}});
  CHECK(router(make(Verb::get, "/metrics"), {}).body() == "planb_build_info 1\n");
  CHECK(router(make(Verb::get, "/healthz"), {}).result() == Status::ok);
  CHECK(router(make(Verb::get, "/"), {}).result() == Status::ok);
}

}  // namespace
}  // namespace planb::http

namespace planb::http {
namespace {

Request withHost(std::string target, std::string host) {
  Request request(Verb::get, target, 11);
  if (!host.empty()) {
    request.set(bhttp::field::host, host);
  }
  return request;
}

TEST_CASE("a page asked for under a name it does not answer to gets 421 (DNS rebinding)") {
  std::vector<std::string> hosts{"status.edge-1.example"};
  int reads = 0;
  Router router = withStatusPage(Router(), {[&] {
                                              ++reads;
                                              return std::string("{}\n");
                                            },
                                            [&](std::size_t) {
                                              ++reads;
                                              return std::string("{}\n");
                                            },
                                            [&] { return hosts; }});
  for (const char* target : {"/", "/status.js", "/v1/status", "/v1/history"}) {
    CAPTURE(target);
    Response refused = router(withHost(target, "rebound.attacker.example:9464"), PeerInfo{});
    CHECK(refused.result() == Status::misdirected_request);
    CHECK(refused.body().find("status_hosts") != std::string::npos);
    CHECK(router(withHost(target, "localhost.attacker.example"), PeerInfo{}).result() ==
          Status::misdirected_request);
  }
  CHECK(reads == 0);
  for (const char* host :
       {"127.0.0.1:9464", "10.1.2.3", "[::1]:9464", "[2001:db8::1]", "localhost:9464", "LOCALHOST",
        "Status.Edge-1.Example.:80", "status.edge-1.example", ""}) {
    CAPTURE(host);
    CHECK(router(withHost("/v1/status", host), PeerInfo{}).result() == Status::ok);
  }
  hosts.clear();  // a reload took it away
  CHECK(router(withHost("/v1/status", "status.edge-1.example"), PeerInfo{}).result() ==
        Status::misdirected_request);
}

TEST_CASE("Host values that only look like addresses are not taken for them") {
  CHECK_FALSE(statusHostAllowed("127.0.0.1.attacker.example", {}));
  CHECK_FALSE(statusHostAllowed("[::1", {}));
  CHECK_FALSE(statusHostAllowed("[::1]x", {}));
  CHECK_FALSE(statusHostAllowed("[evil.example]", {}));
  CHECK_FALSE(statusHostAllowed("0x7f.1", {}));
  CHECK(statusHostAllowed("127.0.0.1", {}));
}

TEST_CASE("/metrics and /healthz answer whatever the Host (Prometheus scrapes by name)") {
  Router router = withStatusPage(
      metricsHandler([] { return std::string("x 1\n"); }, [] { return true; }),
      {[] { return std::string("{}\n"); }, [](std::size_t) { return std::string("{}\n"); }, {}});
  CHECK(router(withHost("/metrics", "edge-1.internal:9464"), PeerInfo{}).result() == Status::ok);
  CHECK(router(withHost("/healthz", "edge-1.internal:9464"), PeerInfo{}).result() == Status::ok);
  CHECK(router(withHost("/", "edge-1.internal:9464"), PeerInfo{}).result() ==
        Status::misdirected_request);
}

}  // namespace
}  // namespace planb::http
