// GoogleProvider through a scripted Google: the token exchange (every assertion verified), the
// token cache, reads and their paging, the managed-zone look-up, errors as Google words them,
// the rehearsal's TXT, the name servers and the credentials file's checks.

#include <doctest/doctest.h>

#include "google_script.hpp"
#include "net/credential_file.hpp"

using namespace planb::providers;
using namespace planb::testing;
using Json = nlohmann::json;
using namespace std::chrono_literals;

TEST_CASE("a read exchanges a verified JWT for a token and lists the name's rrsets with it") {
  GoogleScript g;
  g.api = [](const planb::net::HttpRequest& r, const std::string& path) {
    CHECK(r.method == "GET");
    CHECK(path == "/managedZones/example-com/rrsets?name=www.example.com.");
    return reply(200, googleListing(Json::array({googleRrset("www.example.com.", "CNAME",
                                                             "primary.example.net.", 60)}))
                          .dump());
  };
  auto p = g.provider();
  Result<ServedRecord> served = p->read({"example.com.", "www.example.com."});
  REQUIRE(std::holds_alternative<ServedRecord>(served));
  CHECK(std::get<ServedRecord>(served).kind == ServedRecord::Kind::Cname);
  CHECK(std::get<ServedRecord>(served).target == "primary.example.net.");
  CHECK(std::get<ServedRecord>(served).ttl == 60);
  CHECK(g.tokens_issued == 1);
  CHECK(g.assertion_problems.empty());
  CHECK(p->capabilities().compare_and_swap);
  CHECK(p->capabilities().min_ttl == 1);
}

TEST_CASE("the token is kept until a minute before expires_in, then asked for again") {
  GoogleScript g;
  g.api = [](const planb::net::HttpRequest&, const std::string&) {
    return reply(200, googleListing(Json::array()).dump());
  };
  auto p = g.provider();
  p->read({"example.com.", "www.example.com."});
  g.clock->advance(3500s);
  p->read({"example.com.", "www.example.com."});
  CHECK(g.tokens_issued == 1);
  g.clock->advance(60s);  // 3560 s: within the last minute of 3599
  p->read({"example.com.", "www.example.com."});
  CHECK(g.tokens_issued == 2);
  CHECK(g.assertion_problems.empty());  // iat follows the clock
}

TEST_CASE("a 401 drops the token and the request goes once more with a new one") {
  GoogleScript g;
  g.api = [](const planb::net::HttpRequest&, const std::string&) {
    return reply(200, googleListing(Json::array()).dump());
  };
  auto p = g.provider();
  p->read({"example.com.", "www.example.com."});
  g.token = "revoked-by-google";  // the one planbd holds no longer works
  Result<ServedRecord> served = p->read({"example.com.", "www.example.com."});
  CHECK(std::holds_alternative<ServedRecord>(served));
  CHECK(g.tokens_issued == 2);
}

TEST_CASE("a listing follows nextPageToken to the last page") {
  GoogleScript g;
  g.api = [](const planb::net::HttpRequest&, const std::string& path) {
    if (path.find("pageToken=p2") != std::string::npos) {
      return reply(
          200,
          googleListing(Json::array({googleRrset("www.example.com.", "CNAME", "b.example.net.")}))
              .dump());
    }
    return reply(
        200, googleListing(
                 Json::array({googleRrset("api.example.com.", "CNAME", "a.example.net.")}), "p2")
                 .dump());
  };
  auto p = g.provider();
  auto served = p->readBatch("example.com.",
                             {"api.example.com.", "www.example.com.", "nothing.example.com."});
  REQUIRE(served.size() == 3);
  CHECK(std::get<ServedRecord>(served[0]).target == "a.example.net.");
  CHECK(std::get<ServedRecord>(served[1]).target == "b.example.net.");
  CHECK(std::get<ServedRecord>(served[2]).kind == ServedRecord::Kind::Absent);
  REQUIRE(g.apiRequests().size() == 2);  // one listing of the zone, two pages
  CHECK(g.apiRequests()[0].url == kGoogleApiPrefix + "/managedZones/example-com/rrsets");
}

TEST_CASE("another type, or a CNAME with a routing policy, at the name is a Conflict") {
  GoogleScript g;
  Json rrsets = Json::array({googleRrset("a.example.com.", "A", "192.0.2.1"),
                             googleRrset("w.example.com.", "CNAME", "x.example.net.")});
  rrsets[1]["routingPolicy"] = {{"wrr", {{"items", Json::array()}}}};
  g.api = [&rrsets](const planb::net::HttpRequest&, const std::string&) {
    return reply(200, googleListing(rrsets).dump());
  };
  auto p = g.provider();
  auto served = p->readBatch("example.com.", {"a.example.com.", "w.example.com."});
  CHECK(std::get<ServedRecord>(served[0]).kind == ServedRecord::Kind::Conflict);
  CHECK(std::get<ServedRecord>(served[0]).conflict_type == "A");
  CHECK(std::get<ServedRecord>(served[1]).kind == ServedRecord::Kind::Conflict);
  CHECK(std::get<ServedRecord>(served[1]).conflict_type == "CNAME (with a routing policy)");
}

TEST_CASE("without managed_zone the zone is looked up by dnsName once, the public one chosen") {
  GoogleScript g;
  int lookups = 0;
  g.api = [&lookups](const planb::net::HttpRequest&, const std::string& path) {
    if (path == "/managedZones?dnsName=example.com.") {
      ++lookups;
      return reply(
          200,
          Json{
              {"managedZones",
               Json::array(
                   {{{"name", "inside"}, {"dnsName", "example.com."}, {"visibility", "private"}},
                    {{"name", "outside"}, {"dnsName", "example.com."}, {"visibility", "public"}}})}}
              .dump());
    }
    CHECK(path.rfind("/managedZones/outside/rrsets", 0) == 0);
    return reply(200, googleListing(Json::array()).dump());
  };
  auto p = g.provider(std::nullopt);
  p->read({"example.com.", "www.example.com."});
  p->read({"example.com.", "www.example.com."});
  CHECK(lookups == 1);
}

TEST_CASE("a zone no managed zone has is NotFound and says to set managed_zone") {
  GoogleScript g;
  g.api = [](const planb::net::HttpRequest&, const std::string&) {
    return reply(200, R"({"kind":"dns#managedZonesListResponse"})");
  };
  auto p = g.provider(std::nullopt);
  Result<ServedRecord> served = p->read({"example.com.", "www.example.com."});
  REQUIRE(errorIn(served));
  CHECK(errorIn(served)->kind == ErrorKind::NotFound);
  CHECK(errorIn(served)->message.find("managed_zone") != std::string::npos);
}

TEST_CASE("Google's error replies map to kinds: throttled, lost races, auth, server, malformed") {
  GoogleScript g;
  std::string body;
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  g.api = [&](const planb::net::HttpRequest&, const std::string&) {
    return reply(status, body, headers);
  };
  auto p = g.provider();
  auto kindOf = [&](long s, std::string b) {
    status = s;
    body = std::move(b);
    Result<ServedRecord> served = p->read({"example.com.", "www.example.com."});
    REQUIRE(errorIn(served));
    return *errorIn(served);
  };
  ProviderError throttled =
      kindOf(429, googleErrorBody(429, "rateLimitExceeded",
                                  "Resource has been exhausted (e.g. check quota).",
                                  "RESOURCE_EXHAUSTED"));
  CHECK(throttled.kind == ErrorKind::RateLimited);
  CHECK_FALSE(throttled.retry_after);  // Google sends no Retry-After
  headers = {{"retry-after", "7"}};
  CHECK(kindOf(429, googleErrorBody(429, "rateLimitExceeded", "x", "RESOURCE_EXHAUSTED"))
            .retry_after == std::chrono::milliseconds(7000));
  headers.clear();
  CHECK(kindOf(403, googleErrorBody(403, "rateLimitExceeded", "Rate Limit Exceeded", "")).kind ==
        ErrorKind::RateLimited);
  CHECK(kindOf(403, googleErrorBody(403, "quotaExceeded",
                                    "The change would exceed quota for additions per change.", ""))
            .kind == ErrorKind::Permanent);
  ProviderError forbidden =
      kindOf(403, googleErrorBody(403, "forbidden", "The caller does not have permission",
                                  "PERMISSION_DENIED"));
  CHECK(forbidden.kind == ErrorKind::Auth);
  CHECK(forbidden.message.find(g.key_file) != std::string::npos);
  CHECK(kindOf(404, googleErrorBody(404, "notFound",
                                    "The 'parameters.managedZone' resource "
                                    "named 'example-com' does not exist.",
                                    "NOT_FOUND"))
            .kind == ErrorKind::NotFound);
  CHECK(kindOf(500, googleErrorBody(500, "backendError", "Internal error encountered.", "INTERNAL"))
            .kind == ErrorKind::Transient);
  CHECK(kindOf(503, "<html>unavailable</html>").kind == ErrorKind::Transient);
  CHECK(kindOf(400, googleErrorBody(400, "invalid", "Invalid value", "INVALID_ARGUMENT")).kind ==
        ErrorKind::Permanent);
  ProviderError malformed = kindOf(200, R"({"rrsets": [{"na)");
  CHECK(malformed.kind == ErrorKind::Permanent);
  ProviderError wrong_shape = kindOf(200, R"({"rrsets": {"name": "x"}})");
  CHECK(wrong_shape.kind == ErrorKind::Permanent);
  CHECK(wrong_shape.message.find("malformed") != std::string::npos);
}

TEST_CASE("a refused assertion is Auth, names the credentials file and carries no secret") {
  GoogleScript g;
  g.token_error = R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})";
  auto p = g.provider();
  Result<ServedRecord> served = p->read({"example.com.", "www.example.com."});
  REQUIRE(errorIn(served));
  const ProviderError& e = *errorIn(served);
  CHECK(e.kind == ErrorKind::Auth);
  CHECK(e.message.find("invalid_grant") != std::string::npos);
  CHECK(e.message.find("Invalid JWT Signature.") != std::string::npos);
  CHECK(e.message.find(g.key_file) != std::string::npos);
  CHECK(e.message.find("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCh") ==
        std::string::npos);
  CHECK(e.message.find("eyJ") == std::string::npos);  // no assertion
  g.token_error = R"({"error":"temporarily_unavailable"})";
  CHECK(errorIn(p->read({"example.com.", "www.example.com."}))->kind == ErrorKind::Permanent);
  g.token_error.clear();
  CHECK(std::holds_alternative<ServedRecord>(p->read({"example.com.", "www.example.com."})) ==
        false);  // the API handler answers 500
}

TEST_CASE("the credentials file must be a service-account key with a safe token_uri") {
  TempDir dir;
  std::string path = dir.path() + "/key.json";
  auto make = [&path]() {
    GoogleConfig config{"gdns", {path, "p", std::nullopt}, std::nullopt};
    GoogleProvider provider(config, std::make_shared<ScriptedTransport>(),
                            std::make_shared<ManualClock>());
  };
  writeGoogleKeyFile(path, kGoogleTokenUri, kGoogleEmail, "authorized_user");
  CHECK_THROWS_WITH_AS(make(), doctest::Contains("not a service-account key"),
                       planb::net::CredentialError);
  writeGoogleKeyFile(path, "http://oauth2.example.net/token");
  CHECK_THROWS_WITH_AS(make(), doctest::Contains("plain http://"), planb::net::CredentialError);
  writeGoogleKeyFile(path, "http://127.0.0.1:9/token");
  CHECK_NOTHROW(make());
  { std::ofstream(path) << "{\"type\": \"service_account\", \"private_key\": \"-----BEGIN"; }
  try {
    make();
    FAIL("a truncated key file was taken");
  } catch (const planb::net::CredentialError& e) {
    CHECK(std::string(e.what()).find("BEGIN") == std::string::npos);
  }
  ::chmod(path.c_str(), 0644);
  CHECK_THROWS_AS(make(), planb::net::CredentialError);
}

TEST_CASE("a rewritten key file is used from the next token on") {
  GoogleScript g;
  g.api = [](const planb::net::HttpRequest&, const std::string&) {
    return reply(200, googleListing(Json::array()).dump());
  };
  auto p = g.provider();
  p->read({"example.com.", "www.example.com."});
  writeGoogleKeyFile(g.key_file, kGoogleTokenUri, "rotated@unit-project.iam.gserviceaccount.com");
  p->read({"example.com.", "www.example.com."});
  CHECK(g.tokens_issued == 2);  // another account: a new token at once
  CHECK(g.assertion_problems == std::vector<std::string>{"iss"});
}

TEST_CASE("nameServers are managedZones.get's, canonical and sorted") {
  GoogleScript g;
  g.api = [](const planb::net::HttpRequest&, const std::string& path) {
    CHECK(path == "/managedZones/example-com");
    return reply(200, Json{{"name", "example-com"},
                           {"dnsName", "example.com."},
                           {"nameServers", Json::array({"ns-cloud-d2.googledomains.com.",
                                                        "NS-CLOUD-D1.googledomains.com."})}}
                          .dump());
  };
  auto servers = g.provider()->nameServers("example.com.");
  REQUIRE(std::holds_alternative<std::vector<std::string>>(servers));
  CHECK(
      std::get<std::vector<std::string>>(servers) ==
      std::vector<std::string>{"ns-cloud-d1.googledomains.com.", "ns-cloud-d2.googledomains.com."});
}

TEST_CASE("the rehearsal's TXT is read unquoted, replaced with an exact deletion, and deleted") {
  GoogleScript g;
  Json txt = googleRrset("_planb-rehearsal.example.com.", "TXT", "\"old \\\"v\\\"\"", 60);
  std::vector<Json> posted;
  g.api = [&](const planb::net::HttpRequest& r, const std::string& path) {
    if (r.method == "POST") {
      CHECK(path == "/managedZones/example-com/changes");
      posted.push_back(Json::parse(r.body));
      return reply(200, R"({"kind":"dns#change","id":"9","status":"pending"})");
    }
    CHECK(path == "/managedZones/example-com/rrsets?name=_planb-rehearsal.example.com.&type=TXT");
    return reply(200, googleListing(txt.is_null() ? Json::array() : Json::array({txt})).dump());
  };
  auto p = g.provider();
  RecordRef ref{"example.com.", "_planb-rehearsal.example.com."};
  auto values = p->readTxt(ref);
  REQUIRE(std::holds_alternative<std::vector<std::string>>(values));
  CHECK(std::get<std::vector<std::string>>(values) == std::vector<std::string>{"old \"v\""});

  Result<Written> written = p->writeTxt({ref, "token-123", 60});
  REQUIRE(std::holds_alternative<Written>(written));
  CHECK(std::get<Written>(written).propagating_change == "example-com/9");
  REQUIRE(posted.size() == 1);
  CHECK(posted[0]["deletions"] == Json::array({txt}));
  CHECK(posted[0]["additions"][0]["rrdatas"] == Json::array({"\"token-123\""}));
  CHECK(posted[0]["additions"][0]["ttl"] == 60);

  txt = googleRrset("_planb-rehearsal.example.com.", "TXT", "\"token-123\"", 60);
  CHECK(std::holds_alternative<Written>(p->writeTxt({ref, "token-123", 60})));
  CHECK(posted.size() == 1);  // already there: nothing sent

  CHECK(std::holds_alternative<Written>(p->deleteTxt(ref)));
  REQUIRE(posted.size() == 2);
  CHECK(posted[1]["deletions"] == Json::array({txt}));
  CHECK(posted[1]["additions"].empty());
  txt = nullptr;
  CHECK(std::holds_alternative<Written>(p->deleteTxt(ref)));  // none: a second clean-up
  CHECK(posted.size() == 2);
}

TEST_CASE("pollChange asks changes.get: pending, then done") {
  GoogleScript g;
  std::string status = "pending";
  g.api = [&status](const planb::net::HttpRequest&, const std::string& path) {
    CHECK(path == "/managedZones/example-com/changes/42");
    return reply(200, Json{{"kind", "dns#change"}, {"id", "42"}, {"status", status}}.dump());
  };
  auto p = g.provider();
  CHECK(std::get<Propagation>(p->pollChange("example-com/42")) == Propagation::Pending);
  status = "done";
  CHECK(std::get<Propagation>(p->pollChange("example-com/42")) == Propagation::Applied);
  CHECK(errorIn(p->pollChange("no-slash"))->kind == ErrorKind::Permanent);
}

TEST_CASE("an endpoint over plain http:// to another host is refused at start") {
  GoogleScript g;
  GoogleConfig config = g.config();
  config.endpoint = "http://dns.example.net/dns/v1";
  CHECK_THROWS_WITH_AS(GoogleProvider(config, g.transport, g.clock),
                       doctest::Contains("plain http://"), std::invalid_argument);
  config.settings.project.clear();
  config.endpoint.reset();
  CHECK_THROWS_AS(GoogleProvider(config, g.transport, g.clock), std::invalid_argument);
}
