// PowerDnsProvider through a fake HttpTransport: the exact requests it sends, how it reads the
// replies, and every status branch. No network.

#include "providers/powerdns_provider.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "fakes/canned_transport.hpp"
#include "fakes/recorded_ceiling.hpp"
#include "fakes/scripted_transport.hpp"
#include "fakes/temp_dir.hpp"
#include "net/credential_file.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::providers::PowerDnsSettings;
using planb::testing::CannedTransport;
using planb::testing::TempDir;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "pdns-key-4f2a9c-never-in-messages";
const std::string kApi = "http://127.0.0.1:8081";
const std::string kBase = kApi + "/api/v1/servers/localhost";
const std::string kZoneUrl = kBase + "/zones/example.test.";
const std::string kCnameUrl = kZoneUrl + "?rrset_name=www.example.test.&rrset_type=CNAME";
const std::string kNameUrl = kZoneUrl + "?rrset_name=www.example.test.";

std::string header(const HttpRequest& request, const std::string& name) {
  for (const auto& [n, v] : request.headers) {
    if (n == name) {
      return v;
    }
  }
  return "<absent>";
}

// A zone GET reply holding RRSETS (a JSON array), shaped like PowerDNS 4.7's.
std::string zoneReply(const std::string& rrsets) {
  return R"({"account": "", "dnssec": false, "id": "example.test.", "kind": "Native", )"
         R"("name": "example.test.", "rrsets": )" +
         rrsets + R"(, "serial": 0, "url": "/api/v1/servers/localhost/zones/example.test."})";
}

std::string rrset(const std::string& name, const std::string& type, const std::string& content,
                  bool disabled = false, int ttl = 60) {
  nlohmann::json set = {{"comments", nlohmann::json::array()},
                        {"name", name},
                        {"type", type},
                        {"ttl", ttl},
                        {"records", {{{"content", content}, {"disabled", disabled}}}}};
  return set.dump();
}

const std::string kWwwCname =
    zoneReply("[" + rrset("www.example.test.", "CNAME", "app.aws.example.net.") + "]");
const std::string kEmpty = zoneReply("[]");

struct Fixture {
  TempDir dir;
  std::string key_file = dir.path() + "/pdns.key";
  std::shared_ptr<CannedTransport> transport = std::make_shared<CannedTransport>();

  Fixture() {
    int fd = ::open(key_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    std::string line = kKey + "\n";
    REQUIRE(::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
    ::close(fd);
  }

  PowerDnsSettings settings(std::string api_url = kApi) const {
    return PowerDnsSettings{std::move(api_url), key_file, "localhost"};
  }
  PowerDnsProvider provider() const { return PowerDnsProvider("pdns", settings(), transport); }
};

RecordRef www() {
  return {"example.test.", "www.example.test."};
}

ReplaceRequest swap(std::optional<std::string> expected, std::string target = "backup.example.net.",
                    std::uint32_t ttl = 60) {
  ReplaceRequest request;
  request.record = www();
  request.new_target = std::move(target);
  request.ttl = ttl;
  request.expected_target = std::move(expected);
  return request;
}

ServedRecord served(const Result<ServedRecord>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<ServedRecord>(result);
}

template <typename T>
ProviderError failure(const Result<T>& result) {
  REQUIRE(std::holds_alternative<ProviderError>(result));
  const ProviderError& error = std::get<ProviderError>(result);
  CHECK(error.message.find(kKey) == std::string::npos);
  return error;
}

void requireSuccess(const Result<Unit>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
}

const std::string kPatchBody =
    R"({"rrsets":[{"name":"www.example.test.","type":"CNAME","ttl":60,"changetype":"REPLACE",)"
    R"("records":[{"content":"backup.example.net.","disabled":false}]}]})";

}  // namespace

TEST_CASE("zone ids are absolute names with special characters written =XX") {
  CHECK(powerDnsZoneId("example.test.") == "example.test.");
  CHECK(powerDnsZoneId("example.test") == "example.test.");
  CHECK(powerDnsZoneId("_sub.Example-1.test.") == "=5Fsub.Example-1.test.");
  CHECK(powerDnsZoneId("a/b.test.") == "a=2Fb.test.");
  CHECK(powerDnsZoneId(".") == "=2E");
}

TEST_CASE("the provider reads its API key file at construction and refuses unusable ones") {
  Fixture f;
  PowerDnsProvider provider = f.provider();
  CHECK(provider.name() == "pdns");
  CHECK(provider.type() == "powerdns");
  CHECK(provider.baseUrl() == kBase);

  SUBCASE("a trailing slash of api_url is dropped") {
    PowerDnsProvider slash("pdns", f.settings(kApi + "/"), f.transport);
    CHECK(slash.baseUrl() == kBase);
  }
  SUBCASE("the server id is percent-encoded into the path") {
    PowerDnsSettings settings = f.settings();
    settings.server_id = "my server";
    CHECK(PowerDnsProvider("pdns", settings, f.transport).baseUrl() ==
          kApi + "/api/v1/servers/my%20server");
  }
  SUBCASE("a missing key file") {
    PowerDnsSettings settings = f.settings();
    settings.api_key_file = f.dir.path() + "/absent.key";
    CHECK_THROWS_AS(PowerDnsProvider("pdns", settings, f.transport), CredentialError);
  }
  SUBCASE("a key file others may read") {
    ::chmod(f.key_file.c_str(), 0644);
    CHECK_THROWS_AS(f.provider(), CredentialError);
  }
  SUBCASE("a key of several lines, which would inject headers") {
    std::ofstream(f.key_file) << kKey << "\nX-Other: 1\n";
    try {
      f.provider();
      FAIL("no exception");
    } catch (const CredentialError& e) {
      CHECK(std::string(e.what()).find(kKey) == std::string::npos);
      CHECK(std::string(e.what()).find("control characters") != std::string::npos);
    }
  }
  SUBCASE("an api_url that is not http or https") {
    CHECK_THROWS_AS(PowerDnsProvider("pdns", f.settings("ftp://127.0.0.1"), f.transport),
                    std::invalid_argument);
    CHECK_THROWS_AS(PowerDnsProvider("pdns", f.settings("127.0.0.1:8081"), f.transport),
                    std::invalid_argument);
    CHECK_THROWS_AS(PowerDnsProvider("pdns", f.settings("http://"), f.transport),
                    std::invalid_argument);
  }
  SUBCASE("an empty server id") {
    PowerDnsSettings settings = f.settings();
    settings.server_id = "";
    CHECK_THROWS_AS(PowerDnsProvider("pdns", settings, f.transport), std::invalid_argument);
  }
  CHECK(f.transport->requests.empty());
}

TEST_CASE("read asks for the name's CNAME with the 4.7 filters and the API key") {
  Fixture f;
  f.transport->reply(
      200, zoneReply("[" + rrset("www.example.test.", "CNAME", "App.AWS.example.net.", false, 30) +
                     "]"));
  ServedRecord www_record = served(f.provider().read(www()));
  CHECK(www_record.kind == ServedRecord::Kind::Cname);
  CHECK(www_record.target == "app.aws.example.net.");
  CHECK(www_record.ttl == 30);

  REQUIRE(f.transport->requests.size() == 1);
  const HttpRequest& request = f.transport->requests[0];
  CHECK(request.method == "GET");
  CHECK(request.url == kCnameUrl);
  CHECK(header(request, "X-API-Key") == kKey);
  CHECK(header(request, "Accept") == "application/json");
  CHECK(header(request, "Content-Type") == "<absent>");
  CHECK(request.body.empty());
}

TEST_CASE("a key file rewritten with a new key is sent on the next request, no restart needed") {
  Fixture f;
  PowerDnsProvider provider = f.provider();
  f.transport->reply(200, kWwwCname).reply(200, kWwwCname);
  served(provider.read(www()));
  const std::string rotated = "pdns-key-rotated-77e1";
  std::ofstream(f.key_file, std::ios::trunc) << rotated << "\n";  // in place: mode 0600 stays
  served(provider.read(www()));
  REQUIRE(f.transport->requests.size() == 2);
  CHECK(header(f.transport->requests[0], "X-API-Key") == kKey);
  CHECK(header(f.transport->requests[1], "X-API-Key") == rotated);

  SUBCASE("a key with a control character is refused as Auth and never sent") {
    std::ofstream(f.key_file, std::ios::trunc) << "bad\tkey\n";
    ProviderError error = failure(provider.read(www()));
    CHECK(error.kind == ErrorKind::Auth);
    CHECK(error.message ==
          f.key_file + ": PowerDNS API key file holds control characters or several lines");
    CHECK(f.transport->requests.size() == 2);
  }
}

TEST_CASE("read makes a CNAME target canonical when the server omits the trailing dot") {
  Fixture f;
  f.transport->reply(200,
                     zoneReply("[" + rrset("www.example.test.", "CNAME", "app.example.net") + "]"));
  CHECK(served(f.provider().read(www())).target == "app.example.net.");
}

TEST_CASE("read reports a name without any rrset as Absent after a second, unfiltered GET") {
  Fixture f;
  f.transport->reply(200, kEmpty).reply(200, kEmpty);
  ServedRecord result = served(f.provider().read(www()));
  CHECK(result.kind == ServedRecord::Kind::Absent);
  REQUIRE(f.transport->requests.size() == 2);
  CHECK(f.transport->requests[0].url == kCnameUrl);
  CHECK(f.transport->requests[1].url == kNameUrl);
  CHECK(f.transport->requests[1].method == "GET");
  CHECK(header(f.transport->requests[1], "X-API-Key") == kKey);
}

TEST_CASE("read reports another type at the name as Conflict, naming the lowest-numbered type") {
  Fixture f;
  SUBCASE("a TXT") {
    f.transport->reply(200, kEmpty)
        .reply(200, zoneReply("[" + rrset("www.example.test.", "TXT", "\"x\"") + "]"));
    ServedRecord result = served(f.provider().read(www()));
    CHECK(result.kind == ServedRecord::Kind::Conflict);
    CHECK(result.conflict_type == "TXT");
  }
  SUBCASE("several types") {
    f.transport->reply(200, kEmpty)
        .reply(200, zoneReply("[" + rrset("www.example.test.", "TXT", "\"x\"") + "," +
                              rrset("www.example.test.", "AAAA", "2001:db8::1") + "," +
                              rrset("www.example.test.", "A", "192.0.2.1") + "]"));
    CHECK(served(f.provider().read(www())).conflict_type == "A");
  }
}

TEST_CASE("read ignores disabled records, which PowerDNS does not serve") {
  Fixture f;
  f.transport
      ->reply(200,
              zoneReply("[" + rrset("www.example.test.", "CNAME", "old.example.net.", true) + "]"))
      .reply(200, zoneReply("[" + rrset("www.example.test.", "CNAME", "old.example.net.", true) +
                            "," + rrset("www.example.test.", "TXT", "\"x\"", true) + "]"));
  CHECK(served(f.provider().read(www())).kind == ServedRecord::Kind::Absent);
  CHECK(f.transport->requests.size() == 2);
}

TEST_CASE("read picks the name's rrsets from a whole zone when the server ignores the filters") {
  Fixture f;
  // A PowerDNS older than 4.7 answers the filtered GET with every rrset of the zone.
  f.transport->reply(200, zoneReply("[" + rrset("example.test.", "NS", "ns1.example.test.") + "," +
                                    rrset("api.example.test.", "CNAME", "x.example.net.") + "," +
                                    rrset("WWW.example.test.", "CNAME", "app.example.net.") + "," +
                                    rrset("txtonly.example.test.", "TXT", "\"x\"") + "]"));
  ServedRecord result = served(f.provider().read(www()));
  CHECK(result.kind == ServedRecord::Kind::Cname);
  CHECK(result.target == "app.example.net.");
  CHECK(f.transport->requests.size() == 1);
}

TEST_CASE("read turns every error status into the matching error kind without the key") {
  Fixture f;
  PowerDnsProvider provider = f.provider();

  SUBCASE("401 is Auth and names the API, not the key") {
    f.transport->reply(401, R"({"error": "Unauthorized"})");
    ProviderError error = failure(provider.read(www()));
    CHECK(error.kind == ErrorKind::Auth);
    CHECK(error.message == "PowerDNS API at " + kApi + " rejected the API key (HTTP 401)");
    CHECK_FALSE(error.retriable());
  }
  SUBCASE("403 is Auth") {
    f.transport->reply(403, "");
    CHECK(failure(provider.read(www())).kind == ErrorKind::Auth);
  }
  SUBCASE("404 is NotFound and names zone and server") {
    f.transport->reply(404, R"({"error": "Not Found"})");
    ProviderError error = failure(provider.read(www()));
    CHECK(error.kind == ErrorKind::NotFound);
    CHECK(error.message.find("zone example.test. does not exist on server localhost") !=
          std::string::npos);
  }
  SUBCASE("422 is Permanent with PowerDNS's error text") {
    f.transport->reply(422, R"({"error": "DNS Name 'www.example.test' is not canonical"})");
    ProviderError error = failure(provider.read(www()));
    CHECK(error.kind == ErrorKind::Permanent);
    CHECK(error.message.find("DNS Name 'www.example.test' is not canonical") != std::string::npos);
  }
  SUBCASE("400 is Permanent") {
    f.transport->reply(400, R"({"error": "Bad Request"})");
    ProviderError error = failure(provider.read(www()));
    CHECK(error.kind == ErrorKind::Permanent);
    CHECK(error.message.find("Bad Request") != std::string::npos);
  }
  SUBCASE("500 is Transient with the error text") {
    f.transport->reply(500, R"({"error": "Backend error: database is locked"})");
    ProviderError error = failure(provider.read(www()));
    CHECK(error.kind == ErrorKind::Transient);
    CHECK(error.retriable());
    CHECK(error.message.find("database is locked") != std::string::npos);
  }
  SUBCASE("503 with a non-JSON body is Transient and quotes nothing of the body") {
    f.transport->reply(503, "<html>proxy says " + kKey + "</html>");
    ProviderError error = failure(provider.read(www()));
    CHECK(error.kind == ErrorKind::Transient);
    CHECK(error.message.find("html") == std::string::npos);
  }
  SUBCASE("429 is RateLimited and honours Retry-After") {
    f.transport->reply(429, "", {{"retry-after", "7"}});
    ProviderError error = failure(provider.read(www()));
    CHECK(error.kind == ErrorKind::RateLimited);
    REQUIRE(error.retry_after.has_value());
    CHECK(error.retry_after->count() == 7000);
  }
  SUBCASE("429 with an HTTP-date Retry-After leaves the delay to the caller") {
    f.transport->reply(429, "", {{"retry-after", "Wed, 21 Oct 2026 07:28:00 GMT"}});
    ProviderError error = failure(provider.read(www()));
    CHECK(error.kind == ErrorKind::RateLimited);
    CHECK_FALSE(error.retry_after.has_value());
  }
  SUBCASE("a redirect is Permanent: it is not followed") {
    f.transport->reply(301, "", {{"location", "https://elsewhere.test/"}});
    ProviderError error = failure(provider.read(www()));
    CHECK(error.kind == ErrorKind::Permanent);
    CHECK(error.message.find("redirect") != std::string::npos);
  }
  SUBCASE("another 2xx than 200 is Permanent") {
    f.transport->reply(204, "");
    CHECK(failure(provider.read(www())).kind == ErrorKind::Permanent);
  }
  SUBCASE("a connection error stays Transient and keeps the transport's words") {
    f.transport->fail(ErrorKind::Transient, "GET " + kCnameUrl + ": Couldn't connect to server");
    ProviderError error = failure(provider.read(www()));
    CHECK(error.kind == ErrorKind::Transient);
    CHECK(error.message.find("Couldn't connect to server") != std::string::npos);
  }
  SUBCASE("the second GET's errors count too") {
    f.transport->reply(200, kEmpty).reply(500, R"({"error": "boom"})");
    CHECK(failure(provider.read(www())).kind == ErrorKind::Transient);
  }
}

TEST_CASE("a very long PowerDNS error text is cut and made single-line") {
  Fixture f;
  std::string text = "line one\nline two " + std::string(5000, 'x');
  f.transport->reply(422, nlohmann::json{{"error", text}}.dump());
  ProviderError error = failure(f.provider().read(www()));
  CHECK(error.message.size() < 600);
  CHECK(error.message.find('\n') == std::string::npos);
  CHECK(error.message.find("line one line two") != std::string::npos);
}

TEST_CASE("read reports malformed replies as Permanent instead of crashing") {
  const std::vector<std::string> bodies = {
      "",
      "not json",
      R"({"rrsets": )",
      "[1, 2]",
      R"({"name": "example.test."})",
      R"({"rrsets": 5})",
      R"({"rrsets": [5]})",
      R"({"rrsets": [{"name": "www.example.test.", "type": "CNAME"}]})",
      R"({"rrsets": [{"name": 1, "type": "CNAME", "records": []}]})",
      R"({"rrsets": [{"name": "www.example.test.", "type": "CNAME", "ttl": 60, "records": [7]}]})",
      R"({"rrsets": [{"name": "www.example.test.", "type": "CNAME", "ttl": 60,
                      "records": [{"content": 3, "disabled": false}]}]})",
      R"({"rrsets": [{"name": "www.example.test.", "type": "CNAME", "ttl": 60,
                      "records": [{"content": "a.example.net.", "disabled": "no"}]}]})",
      R"({"rrsets": [{"name": "www.example.test.", "type": "CNAME", "ttl": -1,
                      "records": [{"content": "a.example.net.", "disabled": false}]}]})",
      R"({"rrsets": [{"name": "www.example.test.", "type": "CNAME", "ttl": "60",
                      "records": [{"content": "a.example.net.", "disabled": false}]}]})",
      R"({"rrsets": [{"name": "www.example.test.", "type": "CNAME", "ttl": 99999999999,
                      "records": [{"content": "a.example.net.", "disabled": false}]}]})",
      R"({"rrsets": [{"name": "www.example.test.", "type": "CNAME", "ttl": 60,
                      "records": [{"content": "a.example.net.", "disabled": false},
                                  {"content": "b.example.net.", "disabled": false}]}]})",
  };
  for (const std::string& body : bodies) {
    CAPTURE(body);
    Fixture f;
    f.transport->reply(200, body);
    ProviderError error = failure(f.provider().read(www()));
    CHECK(error.kind == ErrorKind::Permanent);
    CHECK(error.message.find("malformed reply") != std::string::npos);
  }
}

TEST_CASE("replace sends one PATCH REPLACE when the expected target is served") {
  Fixture f;
  f.transport->reply(200, kWwwCname).reply(204);
  requireSuccess(f.provider().replace(swap("app.aws.example.net.")));

  REQUIRE(f.transport->requests.size() == 2);
  CHECK(f.transport->requests[0].url == kCnameUrl);
  const HttpRequest& patch = f.transport->requests[1];
  CHECK(patch.method == "PATCH");
  CHECK(patch.url == kZoneUrl);
  CHECK(header(patch, "X-API-Key") == kKey);
  CHECK(header(patch, "Accept") == "application/json");
  CHECK(header(patch, "Content-Type") == "application/json");
  CHECK(patch.body == kPatchBody);
}

TEST_CASE("replace creates the CNAME when none is expected and none is served") {
  Fixture f;
  f.transport->reply(200, kEmpty).reply(200, kEmpty).reply(204);
  requireSuccess(f.provider().replace(swap(std::nullopt, "Backup.Example.NET", 60)));
  REQUIRE(f.transport->requests.size() == 3);
  CHECK(f.transport->requests[2].method == "PATCH");
  CHECK(f.transport->requests[2].body == kPatchBody);
}

TEST_CASE("replace refuses with Conflict when the served value differs, and sends no PATCH") {
  Fixture f;
  PowerDnsProvider provider = f.provider();

  SUBCASE("another CNAME than the expected one") {
    f.transport->reply(
        200, zoneReply("[" + rrset("www.example.test.", "CNAME", "hand.edit.example.") + "]"));
    ProviderError error = failure(provider.replace(swap("app.aws.example.net.")));
    CHECK(error.kind == ErrorKind::Conflict);
    CHECK(error.message.find("serves hand.edit.example.") != std::string::npos);
    CHECK(error.message.find("app.aws.example.net.") != std::string::npos);
    CHECK(f.transport->requests.size() == 1);
  }
  SUBCASE("a CNAME where none was expected") {
    f.transport->reply(200, kWwwCname);
    ProviderError error = failure(provider.replace(swap(std::nullopt)));
    CHECK(error.kind == ErrorKind::Conflict);
    CHECK(error.message.find("no CNAME as expected") != std::string::npos);
    CHECK(f.transport->requests.size() == 1);
  }
  SUBCASE("no CNAME where one was expected") {
    f.transport->reply(200, kEmpty).reply(200, kEmpty);
    ProviderError error = failure(provider.replace(swap("app.aws.example.net.")));
    CHECK(error.kind == ErrorKind::Conflict);
    CHECK(error.message.find("serves nothing, not the expected") != std::string::npos);
    CHECK(f.transport->requests.size() == 2);
  }
  SUBCASE("another type at the name, which planb never overwrites") {
    f.transport->reply(200, kEmpty)
        .reply(200, zoneReply("[" + rrset("www.example.test.", "A", "192.0.2.1") + "]"));
    ProviderError error = failure(provider.replace(swap(std::nullopt)));
    CHECK(error.kind == ErrorKind::Conflict);
    CHECK(error.message.find("holds a A record") != std::string::npos);
    CHECK(f.transport->requests.size() == 2);
  }
}

TEST_CASE("replace is a success without a PATCH when the new target is already served") {
  Fixture f;
  // An earlier attempt timed out after PowerDNS had applied it.
  f.transport->reply(
      200, zoneReply("[" + rrset("www.example.test.", "CNAME", "backup.example.net.") + "]"));
  requireSuccess(f.provider().replace(swap("app.aws.example.net.")));
  CHECK(f.transport->requests.size() == 1);
}

TEST_CASE("replace still sends the PATCH when only the TTL changes") {
  Fixture f;
  f.transport
      ->reply(
          200,
          zoneReply("[" + rrset("www.example.test.", "CNAME", "backup.example.net.", false, 300) +
                    "]"))
      .reply(204);
  requireSuccess(f.provider().replace(swap("app.aws.example.net.")));
  REQUIRE(f.transport->requests.size() == 2);
  CHECK(f.transport->requests[1].body == kPatchBody);
}

TEST_CASE("replace turns every PATCH status into the matching result") {
  Fixture f;
  PowerDnsProvider provider = f.provider();
  f.transport->reply(200, kWwwCname);

  SUBCASE("204 is a success") {
    f.transport->reply(204);
    requireSuccess(provider.replace(swap("app.aws.example.net.")));
  }
  SUBCASE("401 is Auth") {
    f.transport->reply(401, R"({"error": "Unauthorized"})");
    CHECK(failure(provider.replace(swap("app.aws.example.net."))).kind == ErrorKind::Auth);
  }
  SUBCASE("404 is NotFound") {
    f.transport->reply(404, R"({"error": "Not Found"})");
    ProviderError error = failure(provider.replace(swap("app.aws.example.net.")));
    CHECK(error.kind == ErrorKind::NotFound);
    CHECK(error.message.find("zone example.test. does not exist on server localhost") !=
          std::string::npos);
  }
  SUBCASE("422 is Permanent with PowerDNS's text") {
    f.transport->reply(422, R"js({"error": "Record www.example.test./CNAME 'backup': Not in )js"
                            R"js(expected format (parsed as 'backup.')"})js");
    ProviderError error = failure(provider.replace(swap("app.aws.example.net.")));
    CHECK(error.kind == ErrorKind::Permanent);
    CHECK(error.message.find("PATCH of zone example.test. (HTTP 422): Record www.example.test./"
                             "CNAME 'backup': Not in expected format") != std::string::npos);
  }
  SUBCASE("422 for a type that appeared meanwhile is Conflict") {
    f.transport->reply(422, R"({"error": "RRset www.example.test. IN CNAME: Conflicts with )"
                            R"(pre-existing RRset"})");
    CHECK(failure(provider.replace(swap("app.aws.example.net."))).kind == ErrorKind::Conflict);
  }
  SUBCASE("400 is Permanent") {
    f.transport->reply(400, R"({"error": "Bad Request"})");
    CHECK(failure(provider.replace(swap("app.aws.example.net."))).kind == ErrorKind::Permanent);
  }
  SUBCASE("500 is Transient") {
    f.transport->reply(500, R"({"error": "Backend error"})");
    CHECK(failure(provider.replace(swap("app.aws.example.net."))).kind == ErrorKind::Transient);
  }
  SUBCASE("429 is RateLimited") {
    f.transport->reply(429, "", {{"retry-after", "2"}});
    ProviderError error = failure(provider.replace(swap("app.aws.example.net.")));
    CHECK(error.kind == ErrorKind::RateLimited);
    CHECK(error.retry_after == std::chrono::milliseconds(2000));
  }
  SUBCASE("a malformed error body still gives the status's kind") {
    f.transport->reply(422, "{not json");
    ProviderError error = failure(provider.replace(swap("app.aws.example.net.")));
    CHECK(error.kind == ErrorKind::Permanent);
    CHECK(error.message.find("HTTP 422") != std::string::npos);
  }
  SUBCASE("a connection error is Transient") {
    f.transport->fail(ErrorKind::Transient, "PATCH " + kZoneUrl + ": timed out");
    CHECK(failure(provider.replace(swap("app.aws.example.net."))).kind == ErrorKind::Transient);
  }
  CHECK(f.transport->requests.size() == 2);
}

TEST_CASE("replace stops at a failed read and sends no PATCH") {
  Fixture f;
  f.transport->reply(401, "");
  CHECK(failure(f.provider().replace(swap("app.aws.example.net."))).kind == ErrorKind::Auth);
  CHECK(f.transport->requests.size() == 1);
}

TEST_CASE("every PowerDNS request, the write's own read too, waits for a token of its ceiling") {
  Fixture f;
  planb::testing::RecordedCeiling ceiling;
  PowerDnsProvider provider("pdns", f.settings(), f.transport, ceiling.make({2, 1}));
  f.transport->reply(200, kWwwCname).reply(204);
  requireSuccess(provider.replace(swap("app.aws.example.net.")));
  CHECK(f.transport->requests.size() == 2);
  CHECK(ceiling.waits == std::vector{500ms});  // the PATCH, half a second after the read
}

TEST_CASE("PowerDNS's default ceiling is planb's generous 100 per second") {
  CHECK(kPowerDnsCeiling.per_second == 100);
}

namespace {

// A PowerDNS 4.7 zone behind its HTTP API, as shared/reference/provider-apis.md §2 (checked at
// auth-4.7.4) and https://doc.powerdns.com/authoritative/http-api/zone.html describe it: a GET
// of the zone lists every rrset, rrset_name (and rrset_type with it) narrows the list; a PATCH
// applies all its rrsets in one backend transaction (204), or none when one would put a CNAME
// beside another type (422 "RRset <name> IN CNAME: Conflicts with pre-existing RRset").
struct FakePdnsZone {
  struct Set {
    std::uint32_t ttl;
    std::string content;
  };
  std::map<std::pair<std::string, std::string>, Set> rrsets;  // (name, type)
  std::function<void()> before_patch;       // another writer, between planb's read and its PATCH
  std::vector<std::size_t> patched_rrsets;  // per PATCH received, applied or not
  std::vector<std::size_t> body_sizes;

  std::shared_ptr<planb::testing::ScriptedTransport> transport() {
    auto scripted = std::make_shared<planb::testing::ScriptedTransport>();
    scripted->answer([this](const HttpRequest& request) -> Result<HttpResponse> {
      return request.method == "PATCH" ? patch(request) : get(request);
    });
    return scripted;
  }

  static std::string query(const std::string& url, const std::string& key) {
    const std::string marker = key + "=";
    auto at = url.find(marker);
    if (at == std::string::npos) {
      return "";
    }
    at += marker.size();
    return url.substr(at, url.find('&', at) - at);
  }

  HttpResponse get(const HttpRequest& request) const {
    const std::string name = query(request.url, "rrset_name");
    const std::string type = query(request.url, "rrset_type");
    std::string listed;
    for (const auto& [key, set] : rrsets) {
      if ((name.empty() || key.first == name) && (type.empty() || key.second == type)) {
        listed += (listed.empty() ? "" : ",") +
                  rrset(key.first, key.second, set.content, false, static_cast<int>(set.ttl));
      }
    }
    return planb::testing::reply(200, zoneReply("[" + listed + "]"));
  }

  HttpResponse patch(const HttpRequest& request) {
    body_sizes.push_back(request.body.size());
    nlohmann::json body = nlohmann::json::parse(request.body);
    patched_rrsets.push_back(body["rrsets"].size());
    if (before_patch) {
      std::exchange(before_patch, nullptr)();
    }
    for (const auto& set : body["rrsets"]) {
      const std::string name = set["name"];
      for (auto it = rrsets.lower_bound({name, ""}); it != rrsets.end() && it->first.first == name;
           ++it) {
        if (it->first.second != "CNAME") {
          return planb::testing::reply(
              422,
              R"({"error": "RRset )" + name + R"( IN CNAME: Conflicts with pre-existing RRset"})");
        }
      }
    }
    for (const auto& set : body["rrsets"]) {
      CHECK(set["changetype"] == "REPLACE");
      rrsets[{set["name"], set["type"]}] = {set["ttl"], set["records"][0]["content"]};
    }
    return planb::testing::reply(204, "");
  }

  std::string target(const std::string& name) const {
    auto it = rrsets.find({name, "CNAME"});
    return it == rrsets.end() ? "" : it->second.content;
  }
};

std::string host(int i, const std::string& suffix = "") {
  return "r" + std::to_string(i) + suffix + ".example.test.";
}

ReplaceRequest swapAt(const std::string& name, std::optional<std::string> expected) {
  ReplaceRequest request = swap(std::move(expected), "new.example.net.");
  request.record.name = name;
  return request;
}

// N names served at old.example.net., each to move to new.example.net.
std::vector<ReplaceRequest> moveAll(FakePdnsZone& zone, int n, const std::string& suffix = "") {
  std::vector<ReplaceRequest> changes;
  for (int i = 0; i < n; ++i) {
    zone.rrsets[{host(i, suffix), "CNAME"}] = {60, "old.example.net."};
    changes.push_back(swapAt(host(i, suffix), "old.example.net."));
  }
  return changes;
}

bool written(const Result<Written>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    MESSAGE("unexpected error: " << error->message);
    return false;
  }
  return std::get<Written>(result).propagating_change.empty();
}

// A provider in front of a FakePdnsZone.
struct BatchFixture : Fixture {
  FakePdnsZone zone;
  std::shared_ptr<planb::testing::ScriptedTransport> pdns = zone.transport();
  PowerDnsProvider provider{"pdns", settings(), pdns};
};

}  // namespace

TEST_CASE("a batch of 500 swaps is one GET of the zone and one PATCH with every rrset") {
  BatchFixture f;
  std::vector<Result<Written>> results = f.provider.replaceBatch(moveAll(f.zone, 500));
  REQUIRE(results.size() == 500);
  for (const Result<Written>& result : results) {
    CHECK(written(result));
  }
  REQUIRE(f.pdns->requests.size() == 2);
  CHECK(f.pdns->requests[0].method == "GET");
  CHECK(f.pdns->requests[0].url == kZoneUrl);
  CHECK(f.pdns->requests[1].method == "PATCH");
  CHECK(f.pdns->requests[1].url == kZoneUrl);
  CHECK(f.zone.patched_rrsets == std::vector<std::size_t>{500});
  CHECK(f.zone.target(host(0)) == "new.example.net.");
  CHECK(f.zone.target(host(499)) == "new.example.net.");
}

TEST_CASE(
    "a batch compares each record with the zone: a changed one fails alone, a served one "
    "is not written") {
  BatchFixture f;
  std::vector<ReplaceRequest> changes = moveAll(f.zone, 5);
  f.zone.rrsets[{host(1), "CNAME"}] = {60, "hand.example.net."};
  f.zone.rrsets[{host(2), "CNAME"}] = {60, "new.example.net."};
  f.zone.rrsets.erase({host(3), "CNAME"});
  f.zone.rrsets[{host(3), "TXT"}] = {60, "\"x\""};
  std::vector<Result<Written>> results = f.provider.replaceBatch(changes);
  CHECK(written(results[0]));
  REQUIRE(std::holds_alternative<ProviderError>(results[1]));
  CHECK(std::get<ProviderError>(results[1]).kind == ErrorKind::Conflict);
  CHECK(std::get<ProviderError>(results[1]).message.find("hand.example.net.") != std::string::npos);
  CHECK(written(results[2]));
  REQUIRE(std::holds_alternative<ProviderError>(results[3]));
  CHECK(std::get<ProviderError>(results[3]).message.find("holds a TXT record") !=
        std::string::npos);
  CHECK(written(results[4]));
  CHECK(f.zone.patched_rrsets == std::vector<std::size_t>{2});
  CHECK(f.zone.target(host(1)) == "hand.example.net.");
}

TEST_CASE(
    "another type appearing at one name before the PATCH lands fails only that name; the "
    "rebuilt PATCH carries the rest") {
  BatchFixture f;
  std::vector<ReplaceRequest> changes = moveAll(f.zone, 10);
  f.zone.before_patch = [&f] { f.zone.rrsets[{host(3), "TXT"}] = {60, "\"x\""}; };
  std::vector<Result<Written>> results = f.provider.replaceBatch(changes);
  for (std::size_t i = 0; i < results.size(); ++i) {
    CAPTURE(i);
    if (i == 3) {
      REQUIRE(std::holds_alternative<ProviderError>(results[i]));
      CHECK(std::get<ProviderError>(results[i]).kind == ErrorKind::Conflict);
    } else {
      CHECK(written(results[i]));
    }
  }
  // GET, PATCH (422, nothing applied), GET, PATCH without the name.
  CHECK(f.pdns->requests.size() == 4);
  CHECK(f.zone.patched_rrsets == std::vector<std::size_t>{10, 9});
  CHECK(f.zone.target(host(9)) == "new.example.net.");
}

TEST_CASE(
    "a batch whose PATCH would pass the server's body limit is split into the fewest that "
    "fit") {
  BatchFixture f;
  // About 175 bytes an rrset: 15,000 of them need two bodies of 2,000,000 bytes.
  std::vector<ReplaceRequest> changes = moveAll(f.zone, 15000, "-" + std::string(55, 'x'));
  std::vector<Result<Written>> results = f.provider.replaceBatch(changes);
  for (const Result<Written>& result : results) {
    REQUIRE(written(result));
  }
  REQUIRE(f.zone.body_sizes.size() == 2);
  CHECK(f.zone.body_sizes[0] <= kPowerDnsMaxBodyBytes);
  CHECK(f.zone.body_sizes[0] + 200 > kPowerDnsMaxBodyBytes);  // full: another rrset would not fit
  CHECK(f.zone.patched_rrsets[0] + f.zone.patched_rrsets[1] == 15000);
  CHECK(f.pdns->requests.size() == 3);
}

TEST_CASE("a batch whose zone read fails fails every record with that error and sends no PATCH") {
  Fixture f;
  f.transport->reply(401, "");
  std::vector<Result<Written>> results =
      f.provider().replaceBatch({swapAt(host(0), "a.example.net."), swapAt(host(1), {})});
  for (const Result<Written>& result : results) {
    CHECK(failure(result).kind == ErrorKind::Auth);
  }
  CHECK(f.transport->requests.size() == 1);
}

TEST_CASE("a refused PATCH that is no conflict fails every record of it without another read") {
  Fixture f;
  f.transport->reply(200, zoneReply("[]")).reply(500, R"({"error": "backend failed"})");
  std::vector<Result<Written>> results =
      f.provider().replaceBatch({swapAt(host(0), {}), swapAt(host(1), {})});
  for (const Result<Written>& result : results) {
    CHECK(failure(result).kind == ErrorKind::Transient);
  }
  CHECK(f.transport->requests.size() == 2);
}

TEST_CASE("readBatch answers every name from one GET of the zone") {
  Fixture f;
  f.transport->reply(
      200, zoneReply("[" + rrset("www.example.test.", "CNAME", "app.aws.example.net.") + "," +
                     rrset("txtonly.example.test.", "TXT", "\"x\"") + "," +
                     rrset("other.example.test.", "CNAME", "x.example.net.") + "]"));
  std::vector<Result<ServedRecord>> read = f.provider().readBatch(
      "example.test.", {"WWW.example.test", "nothing.example.test.", "txtonly.example.test."});
  REQUIRE(read.size() == 3);
  CHECK(served(read[0]).target == "app.aws.example.net.");
  CHECK(served(read[1]).kind == ServedRecord::Kind::Absent);
  CHECK(served(read[2]).kind == ServedRecord::Kind::Conflict);
  REQUIRE(f.transport->requests.size() == 1);
  CHECK(f.transport->requests[0].url == kZoneUrl);
}

TEST_CASE("readBatch of a zone too large for the transport's reply limit asks name by name") {
  Fixture f;
  f.transport->fail(ErrorKind::Transient,
                    "GET " + kZoneUrl + ": reply larger than 8388608 bytes");  // CurlTransport's
  f.transport->reply(200, kWwwCname).reply(200, kEmpty).reply(200, kEmpty);
  std::vector<Result<ServedRecord>> read =
      f.provider().readBatch("example.test.", {"www.example.test.", "nothing.example.test."});
  REQUIRE(read.size() == 2);
  CHECK(served(read[0]).target == "app.aws.example.net.");
  CHECK(served(read[1]).kind == ServedRecord::Kind::Absent);
  REQUIRE(f.transport->requests.size() == 4);
  CHECK(f.transport->requests[1].url == kCnameUrl);
}

TEST_CASE("a PowerDNS batch draws a token for its one read and one for its one PATCH") {
  Fixture f;
  FakePdnsZone zone;
  planb::testing::RecordedCeiling ceiling;
  auto bucket = ceiling.make({1, 10});
  PowerDnsProvider provider("pdns", f.settings(), zone.transport(), bucket);
  for (const Result<Written>& result : provider.replaceBatch(moveAll(zone, 50))) {
    CHECK(written(result));
  }
  CHECK(bucket->available() == doctest::Approx(8));
}
