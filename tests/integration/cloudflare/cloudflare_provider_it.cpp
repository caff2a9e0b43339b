// CloudflareProvider over libcurl against tests/fakes/cloudflare_server.py on 127.0.0.1: the
// fake checks the bearer token, pages every listing by 2, and applies Cloudflare's record rules.

#include <doctest/doctest.h>

#include "cloudflare_fake.hpp"
#include "fakes/manual_clock.hpp"
#include "providers/cloudflare_provider.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::CloudflareFake;
using planb::testing::ManualClock;
using Json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

const RecordRef kWww{"example.com.", "www.example.com."};

struct World {
  CloudflareFake fake;
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  planb::providers::CloudflareConfig config;

  World() {
    config.name = "cf-it";
    config.settings.api_token_file = fake.tokenFile();
    config.endpoint = fake.endpoint();
  }

  CloudflareProvider provider(CloudflareOptions options = {}) {
    return CloudflareProvider(config, std::make_shared<CurlTransport>(), clock, options);
  }

  // Requests of the log with this method.
  int count(const std::string& method) {
    int n = 0;
    for (const Json& r : fake.requestLog()) {
      n += r.at("method") == method ? 1 : 0;
    }
    return n;
  }
};

ServedRecord served(const Result<ServedRecord>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<ServedRecord>(result);
}

template <typename T>
ProviderError failed(const Result<T>& result, const std::string& token) {
  REQUIRE(std::holds_alternative<ProviderError>(result));
  ProviderError e = std::get<ProviderError>(result);
  CHECK(e.message.find(token) == std::string::npos);
  return e;
}

void succeeded(const Result<Unit>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
}

ReplaceRequest swap(std::string new_target, std::optional<std::string> expected,
                    std::uint32_t ttl = 60, std::string name = "www.example.com.") {
  ReplaceRequest r;
  r.record = {"example.com.", std::move(name)};
  r.new_target = std::move(new_target);
  r.expected_target = std::move(expected);
  r.ttl = ttl;
  return r;
}

}  // namespace

TEST_CASE("the provider reads a CNAME, an absent name and another type, looking the zone up once") {
  World w;
  w.fake.addRecord("www.example.com", "CNAME", "App.AWS.example.net", 120);
  w.fake.addRecord("mail.example.com", "A", "192.0.2.25");
  CloudflareProvider provider = w.provider();

  ServedRecord www = served(provider.read(kWww));
  CHECK(www.kind == ServedRecord::Kind::Cname);
  CHECK(www.target == "app.aws.example.net.");
  CHECK(www.ttl == 120);
  CHECK(served(provider.read({"example.com.", "none.example.com."})).kind ==
        ServedRecord::Kind::Absent);
  ServedRecord mail = served(provider.read({"example.com.", "mail.example.com."}));
  CHECK(mail.kind == ServedRecord::Kind::Conflict);
  CHECK(mail.conflict_type == "A");

  int zone_lookups = 0;
  for (const Json& r : w.fake.requestLog()) {
    CHECK(r.at("auth") == "ok");
    zone_lookups += r.at("path") == "/client/v4/zones" ? 1 : 0;
  }
  CHECK(zone_lookups == 1);
}

TEST_CASE("a configured zone id is used without a lookup; an unknown zone is NotFound") {
  World w;
  std::string zone_id = w.fake.control("POST", "zones", {{"name", "example.com"}}).at("id");
  w.fake.addRecord("www.example.com", "CNAME", "app.aws.example.net");
  w.config.settings.zone_id = zone_id;
  served(w.provider().read(kWww));
  CHECK(w.fake.requestLog().at(0).at("path") == "/client/v4/zones/" + zone_id + "/dns_records");

  w.config.settings.zone_id.reset();
  ProviderError e = failed(w.provider().read({"example.net.", "www.example.net."}), w.fake.token());
  CHECK(e.kind == ErrorKind::NotFound);
}

TEST_CASE("a replace updates the CNAME's target and TTL in place, keeping its id") {
  World w;
  Json before = w.fake.addRecord("www.example.com", "CNAME", "app.aws.example.net", 300);
  CloudflareProvider provider = w.provider();

  succeeded(provider.replace(swap("app.gcp.example.net.", "app.aws.example.net.", 60)));
  Json after = w.fake.record(before.at("id"));
  REQUIRE(!after.is_null());
  CHECK(after.at("content") == "app.gcp.example.net");
  CHECK(after.at("ttl") == 60);
  CHECK(after.at("proxied") == false);
  CHECK(w.fake.records().size() == 1);
  CHECK(w.count("PATCH") == 1);

  ServedRecord www = served(provider.read(kWww));
  CHECK(www.target == "app.gcp.example.net.");
}

TEST_CASE("a proxied record stays proxied after a failover, with its comment, tags and settings") {
  World w;
  Json before = w.fake.control("POST", "records",
                               {{"zone", "example.com"},
                                {"name", "www.example.com"},
                                {"type", "CNAME"},
                                {"content", "app.aws.example.net"},
                                {"proxied", true},
                                {"comment", "origin pool, ticket OPS-42"},
                                {"tags", {"owner:web", "tier:1"}},
                                {"settings", {{"flatten_cname", false}}}});
  CloudflareProvider provider = w.provider();
  ServedRecord www = served(provider.read(kWww));
  CHECK(www.ttl == 300);  // Auto
  REQUIRE(provider.attributesAt("www.example.com.").has_value());
  CHECK(provider.attributesAt("www.example.com.")->proxied);

  succeeded(provider.replace(swap("app.gcp.example.net.", "app.aws.example.net.", 60)));
  Json after = w.fake.record(before.at("id"));
  REQUIRE(!after.is_null());
  CHECK(after.at("content") == "app.gcp.example.net");
  CHECK(after.at("proxied") == true);
  CHECK(after.at("ttl") == 1);  // Auto, as Cloudflare keeps every proxied record
  CHECK(after.at("comment") == "origin pool, ticket OPS-42");
  CHECK(after.at("tags") == Json{"owner:web", "tier:1"});
  CHECK(after.at("settings") == Json{{"flatten_cname", false}});

  // Back again: still one PATCH per failover, never a write for the Auto TTL alone.
  succeeded(provider.replace(swap("app.aws.example.net.", "app.gcp.example.net.", 60)));
  succeeded(provider.replace(swap("app.aws.example.net.", "app.gcp.example.net.", 60)));
  CHECK(w.count("PATCH") == 2);
  CHECK(w.fake.record(before.at("id")).at("proxied") == true);
}

TEST_CASE("a malformed token is an Auth error telling to check api_token_file") {
  World w;
  w.config.settings.api_token_file = w.fake.dir() + "/pasted.token";
  SUBCASE("quoted") {
    CloudflareFake::writePrivate(w.config.settings.api_token_file, "\"" + w.fake.token() + "\"\n");
  }
  SUBCASE("a Global API Key") {
    CloudflareFake::writePrivate(w.config.settings.api_token_file,
                                 "0123456789abcdef0123456789abcdef01234\n");
  }
  ProviderError e = failed(w.provider().read(kWww), w.fake.token());
  CHECK(e.kind == ErrorKind::Auth);
  CHECK(e.message.find("6111") != std::string::npos);
  CHECK(e.message.find("api_token_file " + w.config.settings.api_token_file) != std::string::npos);
  CHECK(w.fake.requestLog().at(0).at("status") == 400);
}

TEST_CASE("a replace creates the CNAME when the name holds nothing") {
  World w;
  succeeded(w.provider().replace(swap("app.gcp.example.net.", std::nullopt, 90)));
  Json records = w.fake.records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].at("name") == "www.example.com");
  CHECK(records[0].at("type") == "CNAME");
  CHECK(records[0].at("content") == "app.gcp.example.net");
  CHECK(records[0].at("ttl") == 90);
  CHECK(w.count("POST") == 1);
}

TEST_CASE("a record changed behind planb's back makes the replace a conflict, with no write") {
  World w;
  Json record = w.fake.addRecord("www.example.com", "CNAME", "app.aws.example.net");
  w.fake.control("PATCH", "records/" + record.at("id").get<std::string>(),
                 {{"content", "hand.edit.example.net"}});
  ProviderError e = failed(
      w.provider().replace(swap("app.gcp.example.net.", "app.aws.example.net.")), w.fake.token());
  CHECK(e.kind == ErrorKind::Conflict);
  CHECK(e.message.find("hand.edit.example.net.") != std::string::npos);
  CHECK(w.count("PATCH") == 0);
  CHECK(w.fake.record(record.at("id")).at("content") == "hand.edit.example.net");
}

TEST_CASE("a CNAME created by someone else between read and write is judged by a re-read") {
  World w;
  SUBCASE("the same target: already there, a success") {
    w.fake.control("POST", "race",
                   {{"zone", "example.com"},
                    {"name", "www.example.com"},
                    {"type", "CNAME"},
                    {"content", "app.gcp.example.net"},
                    {"ttl", 60}});
    succeeded(w.provider().replace(swap("app.gcp.example.net.", std::nullopt)));
    CHECK(w.fake.records().size() == 1);
  }
  SUBCASE("another target: 81054, a conflict") {
    w.fake.control("POST", "race",
                   {{"zone", "example.com"},
                    {"name", "www.example.com"},
                    {"type", "CNAME"},
                    {"content", "other.example.net"},
                    {"ttl", 60}});
    ProviderError e =
        failed(w.provider().replace(swap("app.gcp.example.net.", std::nullopt)), w.fake.token());
    CHECK(e.kind == ErrorKind::Conflict);
    CHECK(e.message.find("81054") != std::string::npos);
  }
}

TEST_CASE("another type at the name is a conflict the replace does not touch") {
  World w;
  w.fake.addRecord("www.example.com", "A", "192.0.2.80");
  ProviderError e =
      failed(w.provider().replace(swap("app.gcp.example.net.", std::nullopt)), w.fake.token());
  CHECK(e.kind == ErrorKind::Conflict);
  CHECK(w.count("POST") == 0);
}

TEST_CASE("listings are followed across pages") {
  World w;
  for (const char* text : {"v=1", "v=2", "v=3"}) {
    w.fake.addRecord("multi.example.com", "TXT", text);
  }
  w.fake.addRecord("multi.example.com", "MX", "mx.example.net");
  ServedRecord multi = served(w.provider().read({"example.com.", "multi.example.com."}));
  CHECK(multi.kind == ServedRecord::Kind::Conflict);
  CHECK(multi.conflict_type == "MX,TXT");
  bool second_page = false;
  for (const Json& r : w.fake.requestLog()) {
    second_page = second_page || (r.at("query").value("page", "") == "2");
  }
  CHECK(second_page);
}

TEST_CASE("HTTP 429 is RateLimited with retry-after, and the provider holds off meanwhile") {
  World w;
  w.fake.addRecord("www.example.com", "CNAME", "app.aws.example.net");
  CloudflareProvider provider = w.provider();
  w.fake.control("POST", "throttle", {{"count", 1}, {"retry_after", 7}});
  ProviderError e = failed(provider.read(kWww), w.fake.token());
  CHECK(e.kind == ErrorKind::RateLimited);
  REQUIRE(e.retry_after.has_value());
  CHECK(*e.retry_after == 7s);

  std::size_t sent = w.fake.requestCount();
  CHECK(failed(provider.read(kWww), w.fake.token()).kind == ErrorKind::RateLimited);
  CHECK(w.fake.requestCount() == sent);  // refused locally
  w.clock->advance(7s);
  CHECK(served(provider.read(kWww)).kind == ServedRecord::Kind::Cname);
}

TEST_CASE("a spent request budget refuses locally without reaching Cloudflare") {
  World w;
  w.fake.addRecord("www.example.com", "CNAME", "app.aws.example.net");
  CloudflareOptions options;
  options.budget_requests = 4;  // the zone lookup and three reads
  CloudflareProvider provider = w.provider(options);
  for (int i = 0; i < 3; ++i) {
    served(provider.read(kWww));
  }
  ProviderError e = failed(provider.read(kWww), w.fake.token());
  CHECK(e.kind == ErrorKind::RateLimited);
  CHECK(*e.retry_after == 5min);
  CHECK(w.fake.requestCount() == 4);
  w.clock->advance(5min);
  served(provider.read(kWww));
}

TEST_CASE("5xx replies are Transient and the next call succeeds") {
  World w;
  w.fake.addRecord("www.example.com", "CNAME", "app.aws.example.net");
  CloudflareProvider provider = w.provider();
  for (int status : {500, 502}) {
    CAPTURE(status);
    w.fake.control("POST", "fail", {{"count", 1}, {"status", status}});
    ProviderError e = failed(provider.read(kWww), w.fake.token());
    CHECK(e.kind == ErrorKind::Transient);
    CHECK(e.retriable());
    CHECK(served(provider.read(kWww)).kind == ServedRecord::Kind::Cname);
  }
}

TEST_CASE("a revoked or wrong token is Auth, and the token never appears in the error") {
  World w;
  w.fake.addRecord("www.example.com", "CNAME", "app.aws.example.net");
  SUBCASE("revoked") {
    CloudflareProvider provider = w.provider();
    served(provider.read(kWww));
    w.fake.control("POST", "revoke");
    ProviderError e = failed(provider.read(kWww), w.fake.token());
    CHECK(e.kind == ErrorKind::Auth);
    CHECK(e.message.find("403") != std::string::npos);
  }
  SUBCASE("wrong") {
    std::string other = w.fake.dir() + "/other.token";
    CloudflareFake::writePrivate(other, "not-the-token\n");
    w.config.settings.api_token_file = other;
    ProviderError e = failed(w.provider().read(kWww), "not-the-token");
    CHECK(e.kind == ErrorKind::Auth);
  }
}

TEST_CASE("a malformed reply is Permanent, never a crash") {
  World w;
  w.fake.addRecord("www.example.com", "CNAME", "app.aws.example.net");
  CloudflareProvider provider = w.provider();
  served(provider.read(kWww));
  w.fake.control("POST", "malformed", {{"count", 1}});
  CHECK(failed(provider.read(kWww), w.fake.token()).kind == ErrorKind::Permanent);
  CHECK(served(provider.read(kWww)).kind == ServedRecord::Kind::Cname);
}

TEST_CASE("an invalid TTL is refused by Cloudflare as Permanent") {
  World w;
  ProviderError e =
      failed(w.provider().replace(swap("app.gcp.example.net.", std::nullopt, 30)), w.fake.token());
  CHECK(e.kind == ErrorKind::Permanent);
  CHECK(e.message.find("9021") != std::string::npos);
}

TEST_CASE("a token rotated in its file is used without a restart") {
  World w;
  w.fake.addRecord("www.example.com", "CNAME", "app.aws.example.net");
  CloudflareProvider provider = w.provider();
  served(provider.read(kWww));

  // The old token is revoked and the new one written where planbd reads it.
  w.fake.control("POST", "token", {{"token", "cf-rotated-token-Qw3"}});
  CHECK(failed(provider.read(kWww), w.fake.token()).kind == ErrorKind::Auth);
  CloudflareFake::writePrivate(w.fake.tokenFile(), "cf-rotated-token-Qw3\n");
  served(provider.read(kWww));
}
