// CloudflareProvider through a scripted transport: request shapes, the codec, every status and
// error-code branch, and the request budget on a manual clock.

#include "providers/cloudflare_provider.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "fakes/manual_clock.hpp"
#include "fakes/recorded_ceiling.hpp"
#include "fakes/scripted_transport.hpp"
#include "fakes/temp_dir.hpp"
#include "net/credential_file.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::ManualClock;
using planb::testing::reply;
using planb::testing::ScriptedTransport;
using planb::testing::TempDir;
using Json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string kToken = "cf-token-Zq9xSECRETvalue";
const std::string kBase = "https://api.cloudflare.test/client/v4";
const std::string kZoneId = "023e105f4ecef8ad9ca31a8372d0c353";
const std::string kListCname =
    kBase + "/zones/" + kZoneId +
    "/dns_records?type=CNAME&name.exact=www.example.com&page=1&per_page=100";
const std::string kListAny =
    kBase + "/zones/" + kZoneId + "/dns_records?name.exact=www.example.com&page=1&per_page=100";
const std::string kRecords = kBase + "/zones/" + kZoneId + "/dns_records";

std::string envelope(Json result, Json result_info = nullptr) {
  Json e = {{"success", true},
            {"errors", Json::array()},
            {"messages", Json::array()},
            {"result", std::move(result)}};
  if (!result_info.is_null()) {
    e["result_info"] = std::move(result_info);
  }
  return e.dump();
}

std::string failure(long code, const std::string& message) {
  return Json{{"success", false},
              {"errors", {{{"code", code}, {"message", message}}}},
              {"messages", Json::array()},
              {"result", nullptr}}
      .dump();
}

Json cname(const std::string& id, const std::string& content, int ttl = 60) {
  return {
      {"id", id},   {"type", "CNAME"},  {"name", "www.example.com"}, {"content", content},
      {"ttl", ttl}, {"proxied", false}, {"zone_id", kZoneId},        {"zone_name", "example.com"}};
}

Json info(int page, int total_pages, int count) {
  return {{"page", page},
          {"per_page", 100},
          {"count", count},
          {"total_count", count},
          {"total_pages", total_pages}};
}

// A provider on a token file of its own, a scripted transport and a manual clock.
struct Fixture {
  TempDir dir;
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  planb::providers::CloudflareConfig config;

  Fixture() {
    std::string path = dir.path() + "/cf.token";
    std::ofstream(path) << kToken << "\n";
    ::chmod(path.c_str(), 0600);
    config.name = "cf";
    config.settings.api_token_file = path;
    config.settings.zone_id = kZoneId;
    config.endpoint = kBase;
  }

  CloudflareProvider make(CloudflareOptions options = {}) {
    return CloudflareProvider(config, transport, clock, options);
  }

  // Answers by "METHOD URL"; anything else is a 500 the test would notice.
  void route(std::map<std::string, planb::net::HttpResponse> routes) {
    transport->answer([routes = std::move(routes)](const HttpRequest& request) {
      auto it = routes.find(request.method + " " + request.url);
      if (it == routes.end()) {
        return Result<HttpResponse>(reply(500, "unexpected " + request.method + " " + request.url));
      }
      return Result<HttpResponse>(it->second);
    });
  }

  std::vector<std::string> sent() const {
    std::vector<std::string> out;
    for (const auto& r : transport->requests) {
      out.push_back(r.method + " " + r.url);
    }
    return out;
  }
};

ServedRecord served(const Result<ServedRecord>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<ServedRecord>(result);
}

template <typename T>
ProviderError failed(const Result<T>& result) {
  REQUIRE(std::holds_alternative<ProviderError>(result));
  ProviderError e = std::get<ProviderError>(result);
  CHECK(e.message.find(kToken) == std::string::npos);
  return e;
}

void succeeded(const Result<Unit>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
}

ReplaceRequest swap(std::string new_target, std::optional<std::string> expected,
                    std::uint32_t ttl = 60) {
  ReplaceRequest r;
  r.record = {"example.com.", "www.example.com."};
  r.new_target = std::move(new_target);
  r.expected_target = std::move(expected);
  r.ttl = ttl;
  return r;
}

const RecordRef kWww{"example.com.", "www.example.com."};

}  // namespace

TEST_CASE("a read lists the CNAME by type and exact name, with the bearer token") {
  Fixture f;
  f.route({{"GET " + kListCname,
            reply(200, envelope(Json::array({cname("rec-1", "App.AWS.example.net", 60)}),
                                info(1, 1, 1)))}});
  CloudflareProvider provider = f.make();
  CHECK(provider.type() == "cloudflare");
  CHECK(provider.name() == "cf");

  ServedRecord www = served(provider.read(kWww));
  CHECK(www.kind == ServedRecord::Kind::Cname);
  CHECK(www.target == "app.aws.example.net.");
  CHECK(www.ttl == 60);

  REQUIRE(f.transport->requests.size() == 1);
  const HttpRequest& request = f.transport->requests[0];
  CHECK(request.method == "GET");
  CHECK(request.url == kListCname);
  bool bearer = false;
  for (const auto& [name, value] : request.headers) {
    bearer = bearer || (name == "Authorization" && value == "Bearer " + kToken);
  }
  CHECK(bearer);
}

TEST_CASE("the automatic TTL reads as the 300 seconds Cloudflare serves") {
  Fixture f;
  f.route({{"GET " + kListCname,
            reply(200, envelope(Json::array({cname("rec-1", "app.aws.example.net", 1)})))}});
  CloudflareProvider provider = f.make();
  CHECK(served(provider.read(kWww)).ttl == 300);
}

TEST_CASE("a name without a CNAME is a conflict when another type is there, else absent") {
  Fixture f;
  SUBCASE("an A record") {
    Json a = {{"id", "rec-a"},
              {"type", "A"},
              {"name", "www.example.com"},
              {"content", "192.0.2.1"},
              {"ttl", 300}};
    f.route({{"GET " + kListCname, reply(200, envelope(Json::array(), info(1, 0, 0)))},
             {"GET " + kListAny, reply(200, envelope(Json::array({a}), info(1, 1, 1)))}});
    ServedRecord www = served(f.make().read(kWww));
    CHECK(www.kind == ServedRecord::Kind::Conflict);
    CHECK(www.conflict_type == "A");
  }
  SUBCASE("nothing") {
    f.route({{"GET " + kListCname, reply(200, envelope(Json::array(), info(1, 0, 0)))},
             {"GET " + kListAny, reply(200, envelope(Json::array(), info(1, 0, 0)))}});
    CHECK(served(f.make().read(kWww)).kind == ServedRecord::Kind::Absent);
  }
  CHECK(f.sent() == std::vector<std::string>{"GET " + kListCname, "GET " + kListAny});
}

TEST_CASE("the zone id is looked up by name once and cached") {
  Fixture f;
  f.config.settings.zone_id.reset();
  Json zones = Json::array({{{"id", "zone-other"}, {"name", "sub.example.com"}},
                            {{"id", kZoneId}, {"name", "example.com"}}});
  f.route({{"GET " + kBase + "/zones?name=example.com", reply(200, envelope(zones))},
           {"GET " + kListCname,
            reply(200, envelope(Json::array({cname("rec-1", "app.aws.example.net")})))}});
  CloudflareProvider provider = f.make();
  served(provider.read(kWww));
  served(provider.read(kWww));
  CHECK(f.sent() == std::vector<std::string>{"GET " + kBase + "/zones?name=example.com",
                                             "GET " + kListCname, "GET " + kListCname});
}

TEST_CASE("a zone the token's account does not have is NotFound") {
  Fixture f;
  f.config.settings.zone_id.reset();
  f.route({{"GET " + kBase + "/zones?name=example.com", reply(200, envelope(Json::array()))}});
  ProviderError e = failed(f.make().read(kWww));
  CHECK(e.kind == ErrorKind::NotFound);
  CHECK(e.message.find("example.com.") != std::string::npos);
}

TEST_CASE("the default endpoint is Cloudflare's v4 API, and a trailing slash is dropped") {
  Fixture f;
  SUBCASE("default") {
    f.config.endpoint.reset();
    f.make().read(kWww);
    REQUIRE(f.transport->requests.size() == 1);
    CHECK(f.transport->requests[0].url.rfind("https://api.cloudflare.com/client/v4/zones/", 0) ==
          0);
  }
  SUBCASE("override with a slash") {
    f.config.endpoint = "http://127.0.0.1:8080/client/v4/";
    f.make().read(kWww);
    REQUIRE(f.transport->requests.size() == 1);
    CHECK(f.transport->requests[0].url.rfind("http://127.0.0.1:8080/client/v4/zones/" + kZoneId,
                                             0) == 0);
  }
}

TEST_CASE("a listing is followed page by page up to total_pages") {
  Fixture f;
  auto page = [](int n) {
    return kBase + "/zones/" + kZoneId +
           "/dns_records?name.exact=www.example.com&page=" + std::to_string(n) + "&per_page=2";
  };
  auto record = [](const std::string& type) {
    return Json{{"id", "r-" + type}, {"type", type}, {"content", "x"}, {"ttl", 300}};
  };
  f.route({{"GET " + kBase + "/zones/" + kZoneId +
                "/dns_records?type=CNAME&name.exact=www.example.com&page=1&per_page=2",
            reply(200, envelope(Json::array(), info(1, 0, 0)))},
           {"GET " + page(1),
            reply(200, envelope(Json::array({record("TXT"), record("TXT")}), info(1, 3, 5)))},
           {"GET " + page(2),
            reply(200, envelope(Json::array({record("TXT"), record("A")}), info(2, 3, 5)))},
           {"GET " + page(3), reply(200, envelope(Json::array({record("MX")}), info(3, 3, 5)))}});
  CloudflareOptions options;
  options.per_page = 2;
  ServedRecord www = served(f.make(options).read(kWww));
  CHECK(www.kind == ServedRecord::Kind::Conflict);
  CHECK(www.conflict_type == "A,MX,TXT");
  CHECK(f.transport->requests.size() == 4);
}

TEST_CASE("a listing that never ends is refused, not followed forever") {
  Fixture f;
  f.transport->answer([](const HttpRequest&) {
    return Result<HttpResponse>(reply(
        200, envelope(Json::array({cname("rec-1", "app.aws.example.net")}), info(1, 1000, 1000))));
  });
  CloudflareOptions options;
  options.max_pages = 3;
  ProviderError e = failed(f.make(options).read(kWww));
  CHECK(e.kind == ErrorKind::Permanent);
  CHECK(f.transport->requests.size() == 3);
}

TEST_CASE("a replace patches the CNAME's target and TTL in place by id, names without the dot") {
  Fixture f;
  f.route({{"GET " + kListCname,
            reply(200, envelope(Json::array({cname("rec-1", "app.aws.example.net")})))},
           {"PATCH " + kRecords + "/rec-1",
            reply(200, envelope(cname("rec-1", "app.gcp.example.net")))}});
  CloudflareProvider provider = f.make();
  succeeded(provider.replace(swap("app.gcp.example.net.", "app.aws.example.net.", 60)));
  REQUIRE(f.sent() ==
          std::vector<std::string>{"GET " + kListCname, "PATCH " + kRecords + "/rec-1"});
  Json body = Json::parse(f.transport->requests[1].body);
  CHECK(body == Json{{"type", "CNAME"},
                     {"name", "www.example.com"},
                     {"content", "app.gcp.example.net"},
                     {"ttl", 60}});
}

TEST_CASE("a replace creates the CNAME with a POST when the name holds nothing") {
  Fixture f;
  f.route({{"GET " + kListCname, reply(200, envelope(Json::array()))},
           {"GET " + kListAny, reply(200, envelope(Json::array()))},
           {"POST " + kRecords, reply(200, envelope(cname("rec-new", "app.gcp.example.net")))}});
  succeeded(f.make().replace(swap("app.gcp.example.net.", std::nullopt, 120)));
  REQUIRE(f.transport->requests.size() == 3);
  CHECK(f.transport->requests[2].method == "POST");
  CHECK(Json::parse(f.transport->requests[2].body) == Json{{"type", "CNAME"},
                                                           {"name", "www.example.com"},
                                                           {"content", "app.gcp.example.net"},
                                                           {"ttl", 120},
                                                           {"proxied", false}});
}

TEST_CASE("a replace sends nothing when the wanted CNAME and TTL are already served") {
  Fixture f;
  f.route({{"GET " + kListCname,
            reply(200, envelope(Json::array({cname("rec-1", "app.gcp.example.net")})))}});
  succeeded(f.make().replace(swap("app.gcp.example.net.", "app.aws.example.net.")));
  CHECK(f.sent() == std::vector<std::string>{"GET " + kListCname});
}

TEST_CASE("a replace refuses when the served value is not the expected one") {
  Fixture f;
  f.route({{"GET " + kListCname,
            reply(200, envelope(Json::array({cname("rec-1", "hand.edit.example.net")})))},
           {"GET " + kListAny, reply(200, envelope(Json::array()))}});
  SUBCASE("another CNAME") {
    ProviderError e =
        failed(f.make().replace(swap("app.gcp.example.net.", "app.aws.example.net.")));
    CHECK(e.kind == ErrorKind::Conflict);
    CHECK(e.message.find("hand.edit.example.net.") != std::string::npos);
  }
  SUBCASE("a CNAME where none was expected") {
    CHECK(failed(f.make().replace(swap("app.gcp.example.net.", std::nullopt))).kind ==
          ErrorKind::Conflict);
  }
  CHECK(f.transport->requests.size() == 1);  // nothing written
}

TEST_CASE("a replace refuses when an expected CNAME is gone or another type holds the name") {
  Fixture f;
  SUBCASE("gone") {
    f.route({{"GET " + kListCname, reply(200, envelope(Json::array()))},
             {"GET " + kListAny, reply(200, envelope(Json::array()))}});
    CHECK(failed(f.make().replace(swap("app.gcp.example.net.", "app.aws.example.net."))).kind ==
          ErrorKind::Conflict);
  }
  SUBCASE("a TXT record") {
    Json txt = {{"id", "t"}, {"type", "TXT"}, {"content", "v=spf1 -all"}, {"ttl", 300}};
    f.route({{"GET " + kListCname, reply(200, envelope(Json::array()))},
             {"GET " + kListAny, reply(200, envelope(Json::array({txt})))}});
    ProviderError e = failed(f.make().replace(swap("app.gcp.example.net.", std::nullopt)));
    CHECK(e.kind == ErrorKind::Conflict);
    CHECK(e.message.find("TXT") != std::string::npos);
  }
  CHECK(f.transport->requests.size() == 2);  // nothing written
}

TEST_CASE("already exists (81057, 81058) is a success once a re-read shows the target") {
  long code = 0;
  SUBCASE("81057") {
    code = 81057;
  }
  SUBCASE("81058") {
    code = 81058;
  }
  Fixture f;
  int reads = 0;
  f.transport->answer([&](const HttpRequest& request) {
    if (request.method == "POST") {
      return Result<HttpResponse>(reply(400, failure(code, "An identical record already exists.")));
    }
    if (request.url == kListCname && reads++ > 0) {
      return Result<HttpResponse>(
          reply(200, envelope(Json::array({cname("rec-1", "app.gcp.example.net")}))));
    }
    return Result<HttpResponse>(reply(200, envelope(Json::array())));
  });
  succeeded(f.make().replace(swap("app.gcp.example.net.", std::nullopt)));
  CHECK(f.transport->requests.back().url == kListCname);
}

TEST_CASE("already exists with another value served is a conflict") {
  Fixture f;
  int reads = 0;
  f.transport->answer([&](const HttpRequest& request) {
    if (request.method == "POST") {
      return Result<HttpResponse>(
          reply(400, failure(81058, "An identical record already exists.")));
    }
    if (request.url == kListCname && reads++ > 0) {
      return Result<HttpResponse>(
          reply(200, envelope(Json::array({cname("rec-1", "someone.else.example.net")}))));
    }
    return Result<HttpResponse>(reply(200, envelope(Json::array())));
  });
  CHECK(failed(f.make().replace(swap("app.gcp.example.net.", std::nullopt))).kind ==
        ErrorKind::Conflict);
}

TEST_CASE("a host taken by another record (81053, 81054) is a clear conflict") {
  long code = 0;
  SUBCASE("81053") {
    code = 81053;
  }
  SUBCASE("81054") {
    code = 81054;
  }
  Fixture f;
  f.route(
      {{"GET " + kListCname, reply(200, envelope(Json::array()))},
       {"GET " + kListAny, reply(200, envelope(Json::array()))},
       {"POST " + kRecords, reply(400, failure(code, "A record with that host already exists."))}});
  ProviderError e = failed(f.make().replace(swap("app.gcp.example.net.", std::nullopt)));
  CHECK(e.kind == ErrorKind::Conflict);
  CHECK(e.message.find(std::to_string(code)) != std::string::npos);
  CHECK(e.message.find("already holds") != std::string::npos);
}

TEST_CASE("a record deleted between the read and the PATCH is a conflict") {
  Fixture f;
  f.route({{"GET " + kListCname,
            reply(200, envelope(Json::array({cname("rec-1", "app.aws.example.net")})))},
           {"PATCH " + kRecords + "/rec-1", reply(404, failure(81044, "Record does not exist."))}});
  CHECK(failed(f.make().replace(swap("app.gcp.example.net.", "app.aws.example.net."))).kind ==
        ErrorKind::Conflict);
}

TEST_CASE("HTTP statuses map to error kinds, never quoting the token") {
  Fixture f;
  struct Case {
    long status;
    std::string body;
    ErrorKind kind;
  };
  std::vector<Case> cases = {
      {401, failure(10000, "Authentication error"), ErrorKind::Auth},
      {403, failure(10000, "Authentication error " + kToken), ErrorKind::Auth},
      {404, failure(7003, "Could not route to /zones/x/dns_records"), ErrorKind::NotFound},
      {404, "<html>not found</html>", ErrorKind::NotFound},
      {500, failure(10001, "Internal error"), ErrorKind::Transient},
      {502, "<html>bad gateway</html>", ErrorKind::Transient},
      {503, "", ErrorKind::Transient},
      {400, failure(9021, "Invalid TTL"), ErrorKind::Permanent},
      {200, "{\"success\":tru", ErrorKind::Permanent},
      {200, "[1,2,3]", ErrorKind::Permanent},
      {200, failure(1000, "oddly unsuccessful"), ErrorKind::Permanent},
      {200, "{\"success\":true,\"errors\":[],\"result\":{\"not\":\"a list\"}}",
       ErrorKind::Permanent},
      {200, "{\"success\":true,\"errors\":[],\"result\":[{\"id\":7}]}", ErrorKind::Permanent},
  };
  for (const Case& c : cases) {
    CAPTURE(c.status);
    CAPTURE(c.body);
    f.transport->answer(
        [&](const HttpRequest&) { return Result<HttpResponse>(reply(c.status, c.body)); });
    ProviderError e = failed(f.make().read(kWww));
    CHECK(e.kind == c.kind);
    CHECK(e.message.find("cf") != std::string::npos);
  }
}

TEST_CASE("an error message quotes Cloudflare's code and a capped message") {
  Fixture f;
  std::string longMessage(5000, 'x');
  f.transport->answer([&](const HttpRequest&) {
    return Result<HttpResponse>(reply(400, failure(9021, longMessage + "\n\x01")));
  });
  ProviderError e = failed(f.make().read(kWww));
  CHECK(e.message.find("9021") != std::string::npos);
  CHECK(e.message.size() < 600);
  CHECK(e.message.find('\n') == std::string::npos);
}

TEST_CASE("a failed send passes on as the transport's error") {
  Fixture f;
  f.transport->answer([](const HttpRequest&) {
    return Result<HttpResponse>(
        ProviderError{ErrorKind::Transient, "GET https://x: timed out after 10000 ms", {}});
  });
  ProviderError e = failed(f.make().read(kWww));
  CHECK(e.kind == ErrorKind::Transient);
  CHECK(e.message.find("timed out") != std::string::npos);
}

TEST_CASE("HTTP 429 is RateLimited with retry-after, and nothing is sent until it passes") {
  Fixture f;
  bool throttled = true;
  f.transport->answer([&](const HttpRequest&) {
    if (throttled) {
      return Result<HttpResponse>(reply(429, failure(971, "Please wait"), {{"retry-after", "30"}}));
    }
    return Result<HttpResponse>(
        reply(200, envelope(Json::array({cname("rec-1", "app.aws.example.net")}))));
  });
  CloudflareProvider provider = f.make();
  ProviderError e = failed(provider.read(kWww));
  CHECK(e.kind == ErrorKind::RateLimited);
  CHECK(e.retriable());
  REQUIRE(e.retry_after.has_value());
  CHECK(*e.retry_after == 30s);

  throttled = false;
  f.clock->advance(10s);
  ProviderError held = failed(provider.read(kWww));
  CHECK(held.kind == ErrorKind::RateLimited);
  REQUIRE(held.retry_after.has_value());
  CHECK(*held.retry_after == 20s);
  CHECK(f.transport->requests.size() == 1);

  f.clock->advance(20s);
  served(provider.read(kWww));
  CHECK(f.transport->requests.size() == 2);
}

TEST_CASE("HTTP 429 without a usable retry-after leaves the wait to the caller's backoff") {
  Fixture f;
  f.transport->answer([](const HttpRequest&) {
    return Result<HttpResponse>(reply(429, failure(971, "Please wait"),
                                      {{"retry-after", "Wed, 21 Oct 2026 07:28:00 GMT"}}));
  });
  CloudflareProvider provider = f.make();
  ProviderError e = failed(provider.read(kWww));
  CHECK(e.kind == ErrorKind::RateLimited);
  CHECK_FALSE(e.retry_after.has_value());
  failed(provider.read(kWww));
  CHECK(f.transport->requests.size() == 2);  // not held back locally
}

TEST_CASE("a spent request budget refuses locally until the oldest request leaves the window") {
  Fixture f;
  f.transport->answer([](const HttpRequest&) {
    return Result<HttpResponse>(
        reply(200, envelope(Json::array({cname("rec-1", "app.aws.example.net")}))));
  });
  CloudflareOptions options;
  options.budget_requests = 3;
  options.budget_window = 5min;
  CloudflareProvider provider = f.make(options);
  for (int i = 0; i < 3; ++i) {
    served(provider.read(kWww));
    f.clock->advance(1s);
  }
  CHECK(provider.budgetUsed() == 3);

  ProviderError e = failed(provider.read(kWww));
  CHECK(e.kind == ErrorKind::RateLimited);
  REQUIRE(e.retry_after.has_value());
  CHECK(*e.retry_after == 5min - 3s);
  CHECK(e.message.find("budget") != std::string::npos);
  CHECK(f.transport->requests.size() == 3);

  f.clock->advance(5min - 3s);
  served(provider.read(kWww));
  CHECK(f.transport->requests.size() == 4);
}

TEST_CASE("the default budget is Cloudflare's 1,200 requests per 5 minutes") {
  Fixture f;
  f.transport->answer([](const HttpRequest&) {
    return Result<HttpResponse>(
        reply(200, envelope(Json::array({cname("rec-1", "app.aws.example.net")}))));
  });
  CloudflareProvider provider = f.make();
  for (int i = 0; i < 1200; ++i) {
    served(provider.read(kWww));
  }
  ProviderError e = failed(provider.read(kWww));
  CHECK(e.kind == ErrorKind::RateLimited);
  CHECK(*e.retry_after == 5min);
  CHECK(f.transport->requests.size() == 1200);
}

TEST_CASE("the token file is read at construction and must be private") {
  Fixture f;
  SUBCASE("missing") {
    f.config.settings.api_token_file = f.dir.path() + "/absent";
    CHECK_THROWS_AS(f.make(), CredentialError);
  }
  SUBCASE("group-readable") {
    ::chmod(f.config.settings.api_token_file.c_str(), 0640);
    try {
      f.make();
      FAIL("a group-readable token file was accepted");
    } catch (const CredentialError& e) {
      CHECK(std::string(e.what()).find(kToken) == std::string::npos);
    }
  }
}

TEST_CASE("every Cloudflare request waits for a token of its ceiling, beside the budget") {
  Fixture f;
  f.transport->answer([](const HttpRequest&) {
    return Result<HttpResponse>(
        reply(200, envelope(Json::array({cname("rec-1", "app.aws.example.net")}))));
  });
  planb::testing::RecordedCeiling ceiling;
  CloudflareOptions options;
  options.ceiling = ceiling.make({4, 3});
  CloudflareProvider provider = f.make(options);
  for (int i = 0; i < 4; ++i) {
    served(provider.read(kWww));
  }
  CHECK(f.transport->requests.size() == 4);
  CHECK(ceiling.waits == std::vector{250ms});  // the fourth, a quarter second after the third
  CHECK(provider.budgetUsed() == 4);
}

TEST_CASE("Cloudflare's default ceiling is 1,200 per 5 minutes, all of them at once if need be") {
  CHECK(kCloudflareCeiling.per_second * 300 == doctest::Approx(1200));
  CHECK(kCloudflareCeiling.burst == 1200);
}
