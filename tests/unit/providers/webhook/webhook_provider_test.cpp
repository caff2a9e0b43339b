// WebhookProvider through a scripted transport that plays a webhook provider as
// docs/tutorials/webhook-provider.md and provider/webhook/api/httpapi.go describe one: the
// requests planb builds, what it makes of the answers, and every failure mapped.

#include "providers/webhook_provider.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <map>

#include "fakes/recorded_ceiling.hpp"
#include "fakes/scripted_transport.hpp"

using namespace planb::providers;
using namespace planb::net;
using planb::testing::ScriptedTransport;
using Json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string kHookMedia(kWebhookMediaType);

// A webhook provider's answers, changeable per test; the bodies POSTed are kept.
struct WebhookScript {
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::string content_type = kHookMedia;
  std::string filter = R"({"include":["example.com"]})";
  Json records = Json::array(
      {{{"dnsName", "www.example.com"},
        {"targets", Json::array({"a.example.net"})},
        {"recordType", "CNAME"},
        {"recordTTL", 300},
        {"labels", {{"owner", "planb"}}},
        {"providerSpecific", Json::array({{{"name", "hetzner/zone"}, {"value", "z1"}}})}},
       {{"dnsName", "mx.example.com"},
        {"targets", Json::array({"192.0.2.1"})},
        {"recordType", "A"}},
       {{"dnsName", "example.com"},
        {"targets", Json::array({"ns2.example.net", "NS1.example.net."})},
        {"recordType", "NS"}}});
  std::function<Json(Json)> adjust = [](Json endpoints) { return endpoints; };
  // path -> status to answer instead (and an optional body).
  std::map<std::string, std::pair<long, std::string>> faults;
  std::vector<Json> posted;
  std::vector<Json> adjusted_requests;

  WebhookScript() {
    transport->answer([this](const HttpRequest& r) -> Result<HttpResponse> {
      std::string path = r.url.substr(std::string("http://127.0.0.1:8888").size());
      std::string key = r.method + " " + path;
      if (auto f = faults.find(key); f != faults.end()) {
        return HttpResponse{f->second.first, {}, f->second.second};
      }
      if (key == "GET /") {
        return HttpResponse{200, {{"content-type", content_type}}, filter};
      }
      if (key == "GET /records") {
        return HttpResponse{200, {{"content-type", kHookMedia}}, records.dump()};
      }
      if (key == "POST /adjustendpoints") {
        adjusted_requests.push_back(Json::parse(r.body));
        return HttpResponse{
            200, {{"content-type", kHookMedia}}, adjust(Json::parse(r.body)).dump()};
      }
      if (key == "POST /records") {
        posted.push_back(Json::parse(r.body));
        return HttpResponse{204, {}, ""};
      }
      return HttpResponse{404, {}, "404 page not found\n"};
    });
  }

  WebhookProvider provider() {
    return WebhookProvider("hook", "http://127.0.0.1:8888", transport, countedCeiling.bucket);
  }

  std::vector<std::string> calls() const {
    std::vector<std::string> out;
    for (const HttpRequest& r : transport->requests) {
      out.push_back(r.method + " " + r.url.substr(std::string("http://127.0.0.1:8888").size()));
    }
    return out;
  }

  planb::testing::CountedCeiling countedCeiling;
};

ReplaceRequest webhookSwap(std::string target, std::optional<std::string> expected,
                           std::string name = "www.example.com.", std::uint32_t ttl = 60) {
  ReplaceRequest r;
  r.record = {"example.com.", std::move(name)};
  r.new_target = std::move(target);
  r.expected_target = std::move(expected);
  r.ttl = ttl;
  return r;
}

template <typename T>
T webhookOk(Result<T> result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<T>(std::move(result));
}

template <typename T>
ProviderError webhookFailed(const Result<T>& result) {
  REQUIRE(std::holds_alternative<ProviderError>(result));
  return std::get<ProviderError>(result);
}

}  // namespace

TEST_CASE("a read negotiates first, with the media type as Accept, then lists the records") {
  WebhookScript s;
  WebhookProvider p = s.provider();
  ServedRecord served = webhookOk(p.read({"example.com.", "WWW.example.com."}));
  CHECK(served.kind == ServedRecord::Kind::Cname);
  CHECK(served.target == "a.example.net.");
  CHECK(served.ttl == 300);
  CHECK(s.calls() == std::vector<std::string>{"GET /", "GET /records"});
  for (const HttpRequest& r : s.transport->requests) {
    REQUIRE(r.headers.size() == 1);
    CHECK(r.headers.front() == std::pair<std::string, std::string>{"Accept", kHookMedia});
  }
}

TEST_CASE("negotiation is kept: the second read lists the records only") {
  WebhookScript s;
  WebhookProvider p = s.provider();
  webhookOk(p.read({"example.com.", "www.example.com."}));
  webhookOk(p.read({"example.com.", "www.example.com."}));
  CHECK(s.calls() == std::vector<std::string>{"GET /", "GET /records", "GET /records"});
}

TEST_CASE("a provider that failed negotiates again once it answers") {
  WebhookScript s;
  WebhookProvider p = s.provider();
  webhookOk(p.read({"example.com.", "www.example.com."}));
  s.faults["GET /records"] = {503, ""};
  CHECK(webhookFailed(p.read({"example.com.", "www.example.com."})).kind == ErrorKind::Transient);
  s.faults.clear();
  webhookOk(p.read({"example.com.", "www.example.com."}));
  CHECK(s.calls() ==
        std::vector<std::string>{"GET /", "GET /records", "GET /records", "GET /", "GET /records"});
}

TEST_CASE("a name absent, a name with another type and one CNAME are told apart") {
  WebhookScript s;
  WebhookProvider p = s.provider();
  auto results =
      p.readBatch("example.com.", {"www.example.com.", "mx.example.com.", "new.example.com."});
  REQUIRE(results.size() == 3);
  CHECK(webhookOk(results[0]).kind == ServedRecord::Kind::Cname);
  ServedRecord mx = webhookOk(results[1]);
  CHECK(mx.kind == ServedRecord::Kind::Conflict);
  CHECK(mx.conflict_type == "A");
  CHECK(webhookOk(results[2]).kind == ServedRecord::Kind::Absent);
  CHECK(s.calls() == std::vector<std::string>{"GET /", "GET /records"});
}

TEST_CASE("two CNAME endpoints at a name (set identifiers) are an error for that name only") {
  WebhookScript s;
  s.records.push_back({{"dnsName", "geo.example.com"},
                       {"targets", Json::array({"x.example.net"})},
                       {"recordType", "CNAME"},
                       {"setIdentifier", "eu"}});
  s.records.push_back({{"dnsName", "geo.example.com"},
                       {"targets", Json::array({"y.example.net"})},
                       {"recordType", "CNAME"},
                       {"setIdentifier", "us"}});
  WebhookProvider p = s.provider();
  auto results = p.readBatch("example.com.", {"geo.example.com.", "www.example.com."});
  ProviderError e = webhookFailed(results[0]);
  CHECK(e.kind == ErrorKind::Permanent);
  CHECK(e.message.find("2 CNAME endpoints for geo.example.com.") != std::string::npos);
  CHECK(webhookOk(results[1]).kind == ServedRecord::Kind::Cname);
}

TEST_CASE("a negotiation answered with another Content-Type is refused, naming the one expected") {
  WebhookScript s;
  s.content_type = "application/json";
  WebhookProvider p = s.provider();
  ProviderError e = webhookFailed(p.read({"example.com.", "www.example.com."}));
  CHECK(e.kind == ErrorKind::Permanent);
  CHECK(e.message ==
        "webhook provider \"hook\" at http://127.0.0.1:8888: negotiation (GET /) answered "
        "Content-Type \"application/json\", not application/external.dns.webhook+json;version=1: "
        "not an external-dns webhook provider speaking version 1 of the protocol");
  CHECK(s.calls() == std::vector<std::string>{"GET /"});
}

TEST_CASE("a media type with another version or blanks is not the exact one and is refused") {
  for (const char* type : {"application/external.dns.webhook+json;version=2",
                           "application/external.dns.webhook+json; version=1"}) {
    WebhookScript s;
    s.content_type = type;
    WebhookProvider p = s.provider();
    CHECK(webhookFailed(p.read({"example.com.", "www.example.com."})).kind == ErrorKind::Permanent);
  }
}

TEST_CASE("a name outside the provider's domain filter is NotFound, naming the filter") {
  WebhookScript s;
  s.filter = R"({"include":["example.org"]})";
  WebhookProvider p = s.provider();
  ProviderError e = webhookFailed(p.read({"example.com.", "www.example.com."}));
  CHECK(e.kind == ErrorKind::NotFound);
  CHECK(e.message.find("does not manage www.example.com. of zone example.com.: its domain filter "
                       "is include [example.org]") != std::string::npos);
  CHECK(s.calls() == std::vector<std::string>{"GET /"});
}

TEST_CASE("a malformed domain filter or endpoint list is a Permanent error saying where") {
  WebhookScript s;
  s.filter = "not json";
  WebhookProvider p = s.provider();
  CHECK(webhookFailed(p.read({"example.com.", "www.example.com."}))
            .message.find(
                "negotiation (GET /) sent a malformed domain filter: the body is not JSON") !=
        std::string::npos);
  WebhookScript t;
  t.faults["GET /records"] = {200, R"([{"dnsName":1}])"};
  WebhookProvider q = t.provider();
  ProviderError e = webhookFailed(q.read({"example.com.", "www.example.com."}));
  CHECK(e.kind == ErrorKind::Permanent);
  CHECK(e.message.find("malformed reply to GET /records: endpoint 0 has no \"dnsName\" string") !=
        std::string::npos);
}

TEST_CASE("statuses map as external-dns' client treats them") {
  struct Case {
    long status;
    ErrorKind kind;
  };
  for (Case c :
       {Case{500, ErrorKind::Transient}, Case{502, ErrorKind::Transient},
        Case{510, ErrorKind::Transient}, Case{511, ErrorKind::Permanent},
        Case{400, ErrorKind::Permanent}, Case{404, ErrorKind::Permanent},
        Case{413, ErrorKind::Permanent}, Case{429, ErrorKind::RateLimited},
        Case{401, ErrorKind::Auth}, Case{403, ErrorKind::Auth}, Case{302, ErrorKind::Permanent}}) {
    CAPTURE(c.status);
    WebhookScript s;
    s.faults["GET /records"] = {c.status, ""};
    WebhookProvider p = s.provider();
    ProviderError e = webhookFailed(p.read({"example.com.", "www.example.com."}));
    CHECK(e.kind == c.kind);
    CHECK(e.message.find("GET /records (HTTP " + std::to_string(c.status) + ")") !=
          std::string::npos);
  }
}

TEST_CASE("a 5xx or 429 with Retry-After carries the hint") {
  WebhookScript s;
  WebhookProvider p = s.provider();
  s.transport->answer([](const HttpRequest&) -> Result<HttpResponse> {
    return HttpResponse{429, {{"retry-after", "7"}}, ""};
  });
  ProviderError e = webhookFailed(p.read({"example.com.", "www.example.com."}));
  CHECK(e.kind == ErrorKind::RateLimited);
  CHECK(e.retry_after == std::optional<std::chrono::milliseconds>(7s));
}

TEST_CASE("a transport failure names the provider and its url") {
  WebhookScript s;
  s.transport->answer([](const HttpRequest&) -> Result<HttpResponse> {
    return Error{ErrorKind::Transient, "GET http://127.0.0.1:8888/: Connection refused",
                 std::nullopt};
  });
  WebhookProvider p = s.provider();
  ProviderError e = webhookFailed(p.read({"example.com.", "www.example.com."}));
  CHECK(e.kind == ErrorKind::Transient);
  CHECK(e.message.rfind("webhook provider \"hook\" at http://127.0.0.1:8888: GET /: ", 0) == 0);
}

TEST_CASE("a replace sends UpdateOld as read and UpdateNew with the new target and TTL") {
  WebhookScript s;
  WebhookProvider p = s.provider();
  webhookOk(p.replace(webhookSwap("b.example.net.", "a.example.net.")));
  CHECK(s.calls() == std::vector<std::string>{"GET /", "GET /records", "POST /adjustendpoints",
                                              "POST /records"});
  REQUIRE(s.posted.size() == 1);
  Json old = s.records.at(0);
  Json updated = old;
  updated["targets"] = Json::array({"b.example.net"});
  updated["recordTTL"] = 60;
  CHECK(s.posted.front() ==
        Json{{"updateOld", Json::array({old})}, {"updateNew", Json::array({updated})}});
  CHECK(s.adjusted_requests.front() == Json::array({updated}));
  // The POSTs carry the media type; adjustendpoints asks for it back too.
  const HttpRequest& post = s.transport->requests.back();
  CHECK(post.headers ==
        std::vector<std::pair<std::string, std::string>>{{"Content-Type", kHookMedia}});
  const HttpRequest& adjust = s.transport->requests[2];
  CHECK(adjust.headers == std::vector<std::pair<std::string, std::string>>{
                              {"Accept", kHookMedia}, {"Content-Type", kHookMedia}});
}

TEST_CASE("a replace of an absent name creates the CNAME endpoint") {
  WebhookScript s;
  WebhookProvider p = s.provider();
  webhookOk(p.replace(webhookSwap("b.example.net.", std::nullopt, "new.example.com.")));
  REQUIRE(s.posted.size() == 1);
  CHECK(s.posted.front() == Json::parse(R"({"create":[{"dnsName":"new.example.com",)"
                                        R"("targets":["b.example.net"],"recordType":"CNAME",)"
                                        R"("recordTTL":60}]})"));
}

TEST_CASE("a replace whose name serves another target than expected is a Conflict, nothing sent") {
  WebhookScript s;
  WebhookProvider p = s.provider();
  CHECK(webhookFailed(p.replace(webhookSwap("b.example.net.", "c.example.net."))).kind ==
        ErrorKind::Conflict);
  CHECK(webhookFailed(p.replace(webhookSwap("b.example.net.", std::nullopt, "mx.example.com.")))
            .kind == ErrorKind::Conflict);
  CHECK(s.posted.empty());
  CHECK(s.adjusted_requests.empty());
}

TEST_CASE("a replace already served sends nothing but the read") {
  WebhookScript s;
  WebhookProvider p = s.provider();
  webhookOk(p.replace(webhookSwap("a.example.net.", "b.example.net.", "www.example.com.", 300)));
  CHECK(s.calls() == std::vector<std::string>{"GET /", "GET /records"});
}

TEST_CASE("a batch is one read, one adjustendpoints and one POST /records for the zone") {
  WebhookScript s;
  s.records.push_back({{"dnsName", "api.example.com"},
                       {"targets", Json::array({"a.example.net"})},
                       {"recordType", "CNAME"},
                       {"recordTTL", 60}});
  WebhookProvider p = s.provider();
  auto results =
      p.replaceBatch({webhookSwap("b.example.net.", "a.example.net."),
                      webhookSwap("b.example.net.", "a.example.net.", "api.example.com."),
                      webhookSwap("b.example.net.", std::nullopt, "new.example.com."),
                      webhookSwap("b.example.net.", std::nullopt, "mx.example.com.")});
  REQUIRE(results.size() == 4);
  webhookOk(results[0]);
  webhookOk(results[1]);
  webhookOk(results[2]);
  CHECK(webhookFailed(results[3]).kind == ErrorKind::Conflict);
  CHECK(s.calls() == std::vector<std::string>{"GET /", "GET /records", "POST /adjustendpoints",
                                              "POST /records"});
  REQUIRE(s.posted.size() == 1);
  CHECK(s.posted.front().at("updateOld").size() == 2);
  CHECK(s.posted.front().at("updateNew").size() == 2);
  CHECK(s.posted.front().at("create").size() == 1);
}

TEST_CASE("adjustendpoints raising the TTL is written as answered and reported as raised") {
  WebhookScript s;
  s.adjust = [](Json endpoints) {
    for (Json& e : endpoints) {
      e["recordTTL"] = 300;
      e["providerSpecific"] = Json::array({{{"name", "added"}, {"value", "1"}}});
    }
    return endpoints;
  };
  WebhookProvider p = s.provider();
  auto results = p.replaceBatch({webhookSwap("b.example.net.", std::nullopt, "new.example.com.")});
  CHECK(webhookOk(results[0]).raised_ttl == 300);
  Json created = s.posted.front().at("create").at(0);
  CHECK(created.at("recordTTL") == 300);
  CHECK(created.at("providerSpecific").at(0).at("name") == "added");
}

TEST_CASE("adjustendpoints dropping or retargeting an endpoint fails that change alone") {
  WebhookScript s;
  s.adjust = [](Json endpoints) {
    Json kept = Json::array();
    for (Json& e : endpoints) {
      if (e.at("dnsName") == "new.example.com") {
        continue;
      }
      if (e.at("dnsName") == "other.example.com") {
        e["targets"] = Json::array({"elsewhere.example.net"});
      }
      kept.push_back(e);
    }
    return kept;
  };
  WebhookProvider p = s.provider();
  auto results = p.replaceBatch({webhookSwap("b.example.net.", std::nullopt, "new.example.com."),
                                 webhookSwap("b.example.net.", std::nullopt, "other.example.com."),
                                 webhookSwap("b.example.net.", "a.example.net.")});
  CHECK(webhookFailed(results[0]).message.find("dropped the CNAME endpoint new.example.com.") !=
        std::string::npos);
  CHECK(webhookFailed(results[1]).message.find("changed the targets") != std::string::npos);
  webhookOk(results[2]);
  REQUIRE(s.posted.size() == 1);
  CHECK_FALSE(s.posted.front().contains("create"));
  CHECK(s.posted.front().at("updateNew").size() == 1);
}

TEST_CASE("adjustendpoints may add the trailing dot to a target: the same target") {
  WebhookScript s;
  s.adjust = [](Json endpoints) {
    for (Json& e : endpoints) {
      e["targets"] = Json::array({"B.example.net."});
    }
    return endpoints;
  };
  WebhookProvider p = s.provider();
  webhookOk(p.replace(webhookSwap("b.example.net.", "a.example.net.")));
  CHECK(s.posted.size() == 1);
}

TEST_CASE("a failed adjustendpoints or POST /records fails every change of the batch") {
  WebhookScript s;
  s.faults["POST /adjustendpoints"] = {500, ""};
  WebhookProvider p = s.provider();
  auto results = p.replaceBatch({webhookSwap("b.example.net.", "a.example.net."),
                                 webhookSwap("b.example.net.", std::nullopt, "new.example.com.")});
  CHECK(webhookFailed(results[0]).kind == ErrorKind::Transient);
  CHECK(webhookFailed(results[1]).kind == ErrorKind::Transient);
  CHECK(s.posted.empty());
  WebhookScript t;
  t.faults["POST /records"] = {400, ""};
  WebhookProvider q = t.provider();
  results = q.replaceBatch({webhookSwap("b.example.net.", "a.example.net.")});
  ProviderError e = webhookFailed(results[0]);
  CHECK(e.kind == ErrorKind::Permanent);
  CHECK(e.message.find("refused POST /records (HTTP 400)") != std::string::npos);
}

TEST_CASE("a malformed adjustendpoints answer sends no change") {
  WebhookScript s;
  s.faults["POST /adjustendpoints"] = {200, "{"};
  WebhookProvider p = s.provider();
  ProviderError e = webhookFailed(p.replace(webhookSwap("b.example.net.", "a.example.net.")));
  CHECK(e.message.find("malformed reply to POST /adjustendpoints: the body is not JSON") !=
        std::string::npos);
  CHECK(s.posted.empty());
}

TEST_CASE("a TXT write creates the endpoint with the text quoted, a rewrite updates it") {
  WebhookScript s;
  WebhookProvider p = s.provider();
  RecordRef txt{"example.com.", "_planb-rehearsal.example.com."};
  webhookOk(p.writeTxt({txt, "token-1", 60}));
  REQUIRE(s.posted.size() == 1);
  CHECK(s.posted.back() == Json::parse(R"({"create":[{"dnsName":"_planb-rehearsal.example.com",)"
                                       R"("targets":["\"token-1\""],"recordType":"TXT",)"
                                       R"("recordTTL":60}]})"));
  s.records.push_back(s.posted.back().at("create").at(0));
  CHECK(webhookOk(p.readTxt(txt)) == std::vector<std::string>{"token-1"});
  webhookOk(p.writeTxt({txt, "token-2", 60}));
  REQUIRE(s.posted.size() == 2);
  CHECK(s.posted.back().at("updateOld").at(0).at("targets") == Json::array({"\"token-1\""}));
  CHECK(s.posted.back().at("updateNew").at(0).at("targets") == Json::array({"\"token-2\""}));
}

TEST_CASE("a TXT write that is already served sends nothing; a delete removes every TXT endpoint") {
  WebhookScript s;
  s.records.push_back({{"dnsName", "_planb-rehearsal.example.com"},
                       {"targets", Json::array({"token-1"})},
                       {"recordType", "TXT"}});
  WebhookProvider p = s.provider();
  RecordRef txt{"example.com.", "_planb-rehearsal.example.com."};
  webhookOk(p.writeTxt({txt, "token-1", 60}));
  CHECK(s.posted.empty());
  webhookOk(p.deleteTxt(txt));
  REQUIRE(s.posted.size() == 1);
  CHECK(s.posted.front() == Json{{"delete", Json::array({s.records.back()})}});
}

TEST_CASE("deleting a TXT record that is not there sends nothing but the read") {
  WebhookScript s;
  WebhookProvider p = s.provider();
  webhookOk(p.deleteTxt({"example.com.", "_planb-rehearsal.example.com."}));
  CHECK(s.calls() == std::vector<std::string>{"GET /", "GET /records"});
}

TEST_CASE("a TXT value longer than one character-string is refused before anything is sent") {
  WebhookScript s;
  WebhookProvider p = s.provider();
  CHECK(webhookFailed(
            p.writeTxt(
                {{"example.com.", "_planb-rehearsal.example.com."}, std::string(256, 'x'), 60}))
            .kind == ErrorKind::Permanent);
  CHECK(s.transport->requests.empty());
}

TEST_CASE("name servers are the NS endpoints at the apex when the provider lists them") {
  WebhookScript s;
  WebhookProvider p = s.provider();
  CHECK(webhookOk(p.nameServers("example.com.")) ==
        std::vector<std::string>{"ns1.example.net.", "ns2.example.net."});
  WebhookScript t;
  t.records = Json::array();
  t.filter = R"({"include":[".example.com"]})";  // names below the zone only: still answered
  WebhookProvider q = t.provider();
  CHECK(webhookOk(q.nameServers("example.com.")).empty());
}

TEST_CASE("the webhook has no compare-and-swap and PowerDNS' generous default ceiling") {
  WebhookScript s;
  CHECK_FALSE(s.provider().capabilities().compare_and_swap);
  CHECK(s.provider().capabilities().min_ttl == 1);
  CHECK(kWebhookCeiling.per_second == 100);
}

TEST_CASE("every request draws a token of the provider's ceiling") {
  WebhookScript s;
  WebhookProvider p = s.provider();
  webhookOk(p.replace(webhookSwap("b.example.net.", "a.example.net.")));
  CHECK(s.countedCeiling.requests() == 4);
}

TEST_CASE("a url with a path is the base of every route, and negotiation GETs it as written") {
  auto transport = std::make_shared<ScriptedTransport>();
  std::vector<std::string> urls;
  transport->answer([&urls](const HttpRequest& r) -> Result<HttpResponse> {
    urls.push_back(r.url);
    if (r.url == "http://localhost:8888/hook") {
      return HttpResponse{200, {{"content-type", kHookMedia}}, "{}"};
    }
    return HttpResponse{200, {}, "[]"};
  });
  WebhookProvider p("hook", "http://localhost:8888/hook/", transport);
  webhookOk(p.read({"example.com.", "www.example.com."}));
  CHECK(urls == std::vector<std::string>{"http://localhost:8888/hook",
                                         "http://localhost:8888/hook/records"});
}

TEST_CASE("a unix socket url sends to the socket with localhost as the host") {
  WebhookAddress a = webhookAddressOf("unix:/run/planb-webhook/hook.sock");
  CHECK(a.unix_socket == std::optional<std::string>("/run/planb-webhook/hook.sock"));
  CHECK(a.base == "http://localhost");
  CHECK(webhookHttpOptions("unix:/run/x.sock").unix_socket ==
        std::optional<std::string>("/run/x.sock"));
  CHECK(webhookHttpOptions("http://127.0.0.1:8888").max_body == kWebhookMaxBody);
  CHECK_FALSE(webhookHttpOptions("http://127.0.0.1:8888").unix_socket.has_value());
}

TEST_CASE("urls that are not loopback http or an absolute unix socket are refused") {
  CHECK(webhookAddressOf("http://[::1]:8888").base == "http://[::1]:8888");
  CHECK(webhookAddressOf("http://127.0.0.2:8888/").base == "http://127.0.0.2:8888");
  for (const char* url :
       {"https://127.0.0.1:8888", "http://192.0.2.1:8888", "unix:relative.sock",
        "unix:", "http://example.com:8888", "ftp://127.0.0.1/", "http://127.0.0.1:8888/?a=b"}) {
    CAPTURE(url);
    CHECK_THROWS_AS(WebhookProvider("hook", url, std::make_shared<ScriptedTransport>()),
                    std::invalid_argument);
  }
}
