// Route53Provider against the fake Route 53 of tests/fakes/route53_server.py on 127.0.0.1. The
// fake recomputes every SigV4 signature itself, so each passing request here is also a check of
// the signer against an independent implementation; its control endpoints (/_fake/...) change
// records behind the provider's back, inject throttling, 5xx, malformed replies and revoked
// credentials, and expose the request log. The fake's request rate limit is off for the protocol
// tests (their ceiling keeps no time); the batch tests at the end turn it on.

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "fakes/recorded_ceiling.hpp"
#include "harness/process.hpp"
#include "net/http_client.hpp"
#include "providers/route53_provider.hpp"

using namespace planb::net;
using namespace planb::providers;
using namespace std::chrono_literals;
using json = nlohmann::json;
using planb::testing::ServerProcess;

namespace {

const std::string kAkid = "AKIDPLANBTEST0000001";
const std::string kSecret = "planb/test+secret/0123456789abcdefghijklmnopqrst";

// The program name to start: spawn() looks it up in PATH again (it takes names, not paths).
std::string python3() {
  if (planb::testing::findProgram("python3")) {
    return "python3";
  }
  const char* allow_skip = std::getenv("PLANB_ALLOW_SKIP");
  if (allow_skip != nullptr && std::string(allow_skip) == "1") {
    std::cerr << "SKIP: python3 not found and PLANB_ALLOW_SKIP=1\n";
    std::exit(planb::testing::kSkipExitCode);
  }
  throw std::runtime_error(
      "python3 not found (scripts/setup installs it), or set "
      "PLANB_ALLOW_SKIP=1 to skip this test");
}

std::string writePrivate(const std::string& path, const std::string& text) {
  planb::testing::writeFile(path, text);
  ::chmod(path.c_str(), 0600);
  return path;
}

// The fake server, its credential files and a client for its control endpoints. EXTRA goes to the
// fake's command line; SESSION_TOKEN makes it expect temporary credentials.
class FakeRoute53 {
 public:
  explicit FakeRoute53(std::vector<std::string> extra = {},
                       std::optional<std::string> session_token = std::nullopt)
      : dir_(planb::testing::makeTempDir("planb-route53")),
        port_(planb::testing::pickFreePort()),
        akid_file_(writePrivate(dir_ + "/access_key_id", kAkid + "\n")),
        secret_file_(writePrivate(dir_ + "/secret_access_key", kSecret + "\n")),
        token_file_(session_token ? writePrivate(dir_ + "/session_token", *session_token + "\n")
                                  : std::string()) {
    std::vector<std::string> command = {python3(),
                                        std::string(PLANB_FAKES_DIR) + "/route53_server.py",
                                        "--port",
                                        std::to_string(port_),
                                        "--access-key-id-file",
                                        akid_file_,
                                        "--secret-file",
                                        secret_file_,
                                        "--max-requests-per-second",
                                        "0"};
    if (!token_file_.empty()) {
      command.insert(command.end(), {"--session-token-file", token_file_});
    }
    command.insert(command.end(), extra.begin(), extra.end());
    server_ = std::make_unique<ServerProcess>(command, dir_ + "/route53.log");
    server_->waitForTcp(port_, 10s);
  }
  ~FakeRoute53() {
    server_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& dir() const { return dir_; }

  json control(const std::string& method, const std::string& path, const json& body = nullptr) {
    HttpRequest request;
    request.method = method;
    request.url = endpoint() + "/_fake/" + path;
    if (!body.is_null()) {
      request.body = body.dump();
      request.headers = {{"Content-Type", "application/json"}};
    }
    Result<HttpResponse> reply = control_.send(request);
    if (const auto* error = std::get_if<ProviderError>(&reply)) {
      FAIL("control " << path << ": " << error->message);
    }
    const HttpResponse& response = std::get<HttpResponse>(reply);
    REQUIRE_MESSAGE(response.status == 200, "control " << path << ": " << response.body);
    return json::parse(response.body);
  }

  std::string addZone(const std::string& name, const std::string& id, bool is_private = false) {
    return control("POST", "zones", {{"name", name}, {"id", id}, {"private", is_private}})["id"];
  }
  void set(const std::string& zone_id, const std::string& name, const std::string& type, int ttl,
           std::vector<std::string> values, const json& extra = json::object()) {
    json body = {
        {"zone_id", zone_id}, {"name", name}, {"type", type}, {"ttl", ttl}, {"values", values}};
    body.update(extra);
    control("POST", "rrsets", body);
  }
  json rrset(const std::string& zone_id, const std::string& name, const std::string& type) {
    for (const json& set : control("GET", "rrsets?zone_id=" + zone_id)) {
      if (set["name"] == name && set["type"] == type) {
        return set;
      }
    }
    return nullptr;
  }
  void reset() { control("POST", "reset", json::object()); }
  void fault(json spec) { control("POST", "faults", spec); }
  void configure(json settings) { control("POST", "config", settings); }
  json requests() { return control("GET", "requests"); }
  json stats() { return control("GET", "stats"); }
  void clearRequests() { control("DELETE", "requests"); }
  std::vector<std::string> operations() {
    std::vector<std::string> out;
    for (const json& r : requests()) {
      out.push_back(r["operation"].is_null() ? "-" : r["operation"].get<std::string>());
    }
    return out;
  }

  planb::providers::Route53Config config(std::optional<std::string> zone_id = std::nullopt) const {
    planb::providers::Route53Config c;
    c.name = "aws-test";
    c.endpoint = endpoint();
    c.settings.access_key_id_file = akid_file_;
    c.settings.secret_access_key_file = secret_file_;
    c.settings.hosted_zone_id = std::move(zone_id);
    if (!token_file_.empty()) {
      c.settings.session_token_file = token_file_;
    }
    return c;
  }

 private:
  std::string dir_;
  std::uint16_t port_;
  std::string akid_file_;
  std::string secret_file_;
  std::string token_file_;
  std::unique_ptr<ServerProcess> server_;
  CurlTransport control_;
};

// Forwards to curl, running BEFORE first: lets a test act between the provider's read and write.
class HookTransport final : public HttpTransport {
 public:
  std::function<void(const HttpRequest&)> before;
  Result<HttpResponse> send(const HttpRequest& request) override {
    if (before) {
      before(request);
    }
    return inner_.send(request);
  }

 private:
  CurlTransport inner_;
};

// One server for the whole program, reset by every test: starting Python costs most of a second.
FakeRoute53& sharedFake() {
  static FakeRoute53 fake;
  return fake;
}

// The zone every test starts with: www (CNAME), api (A), a wildcard, and a private twin of the
// zone that sorts before the public one.
struct World {
  FakeRoute53& fake = sharedFake();
  std::shared_ptr<HookTransport> transport = std::make_shared<HookTransport>();
  planb::testing::RecordedCeiling ceiling;
  Route53Options options;

  World() {
    fake.reset();
    fake.addZone("example.test.", "ZAPRIVATE", /*is_private=*/true);
    fake.addZone("example.test.", "ZPUBLIC");
    fake.addZone("example.test.sub.", "ZOTHER");
    fake.set("ZPUBLIC", "www.example.test.", "CNAME", 300, {"app.aws.example.net."});
    fake.set("ZPUBLIC", "api.example.test.", "A", 60, {"192.0.2.10"});
    fake.set("ZPUBLIC", "*.example.test.", "CNAME", 60, {"wild.example.net."});
    fake.set("ZAPRIVATE", "www.example.test.", "CNAME", 60, {"internal.example.net."});
    fake.clearRequests();
    // Waits for the ceiling's tokens too: the fake keeps no time.
    options.ceiling = ceiling.make(planb::providers::kRoute53Ceiling);
  }
  ~World() {
    if (planb::testing::currentTestFailed()) {
      std::cerr << "requests the fake Route 53 received:\n" << fake.requests().dump(2) << "\n";
    }
  }
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  Route53Provider provider(std::optional<std::string> zone_id = std::nullopt) {
    return Route53Provider(fake.config(std::move(zone_id)), transport, options);
  }
};

const RecordRef kWww{"example.test.", "www.example.test."};

ReplaceRequest swap(std::optional<std::string> expected, std::string target,
                    const std::string& name = "www.example.test.", std::uint32_t ttl = 60) {
  ReplaceRequest request;
  request.record = {"example.test.", name};
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
  return std::get<ProviderError>(result);
}

void requireSuccess(const Result<Unit>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
}

}  // namespace

TEST_CASE(
    "the provider finds the public zone by name and reads a CNAME, an absent name and a "
    "conflict") {
  World w;
  Route53Provider provider = w.provider();

  ServedRecord www = served(provider.read(kWww));
  CHECK(www.kind == ServedRecord::Kind::Cname);
  CHECK(www.target == "app.aws.example.net.");
  CHECK(www.ttl == 300);

  CHECK(served(provider.read({"example.test.", "nothing.example.test."})).kind ==
        ServedRecord::Kind::Absent);

  ServedRecord api = served(provider.read({"example.test.", "api.example.test."}));
  CHECK(api.kind == ServedRecord::Kind::Conflict);
  CHECK(api.conflict_type == "A");

  // The wildcard comes back as \052 and is matched all the same.
  ServedRecord wildcard = served(provider.read({"example.test.", "*.example.test."}));
  CHECK(wildcard.kind == ServedRecord::Kind::Cname);
  CHECK(wildcard.target == "wild.example.net.");

  // The private twin was skipped (two lookups: it, then the public zone), and only once.
  json log = w.fake.requests();
  REQUIRE(log.size() == 6);
  CHECK(log[0]["path"] == "/2013-04-01/hostedzonesbyname");
  CHECK(log[0]["query"] == "dnsname=example.test&maxitems=1");
  CHECK(log[1]["query"] == "dnsname=example.test.&hostedzoneid=ZPUBLIC&maxitems=1");
  for (std::size_t i = 2; i < log.size(); ++i) {
    CHECK(log[i]["path"] == "/2013-04-01/hostedzone/ZPUBLIC/rrset");
    CHECK(log[i]["status"] == 200);
  }
}

TEST_CASE("a zone the credentials cannot see is NotFound") {
  World w;
  Route53Provider provider = w.provider();
  ProviderError error = failure(provider.read({"missing.test.", "www.missing.test."}));
  CHECK(error.kind == ErrorKind::NotFound);
  ProviderError unknown_id = failure(w.provider("ZNOSUCH").read(kWww));
  CHECK(unknown_id.kind == ErrorKind::NotFound);
  CHECK(unknown_id.message.find("NoSuchHostedZone") != std::string::npos);
}

TEST_CASE("a compare-and-swap replaces the CNAME in one batch and does not wait for INSYNC") {
  World w;
  w.fake.configure({{"pending_polls", 2}});
  Route53Provider provider = w.provider("ZPUBLIC");

  requireSuccess(provider.replace(swap("app.aws.example.net.", "backup.gcp.example.net.")));

  json www = w.fake.rrset("ZPUBLIC", "www.example.test.", "CNAME");
  REQUIRE(!www.is_null());
  CHECK(www["values"] == json::array({"backup.gcp.example.net."}));
  CHECK(www["ttl"] == 60);
  CHECK(w.fake.operations() ==
        std::vector<std::string>{"ListResourceRecordSets", "ChangeResourceRecordSets"});
  json post = w.fake.requests()[1];
  CHECK(post["path"] == "/2013-04-01/hostedzone/ZPUBLIC/rrset/");
  const std::string body = post["body"];
  CHECK(body.find("<Action>DELETE</Action><ResourceRecordSet><Name>www.example.test.</Name>"
                  "<Type>CNAME</Type><TTL>300</TTL>") != std::string::npos);
  CHECK(body.find("<Action>CREATE</Action>") > body.find("<Action>DELETE</Action>"));

  ServedRecord now = served(provider.read(kWww));
  CHECK(now.target == "backup.gcp.example.net.");
  CHECK(now.ttl == 60);
}

TEST_CASE("without an expected target the CNAME is created, and only where there is none") {
  World w;
  Route53Provider provider = w.provider("ZPUBLIC");
  requireSuccess(provider.replace(swap(std::nullopt, "new.example.net.", "new.example.test.")));
  CHECK(served(provider.read({"example.test.", "new.example.test."})).target == "new.example.net.");

  ProviderError taken = failure(provider.replace(swap(std::nullopt, "other.example.net.")));
  CHECK(taken.kind == ErrorKind::Conflict);
  CHECK(taken.message.find("already exists") != std::string::npos);
  CHECK(taken.message.find("it now points to app.aws.example.net.") != std::string::npos);

  ProviderError beside_a =
      failure(provider.replace(swap(std::nullopt, "x.example.net.", "api.example.test.")));
  CHECK(beside_a.kind == ErrorKind::Conflict);
  CHECK(w.fake.rrset("ZPUBLIC", "www.example.test.", "CNAME")["values"] ==
        json::array({"app.aws.example.net."}));
}

TEST_CASE("a compare-and-swap lost between read and write is a conflict and changes nothing") {
  World w;
  bool legacy = false;
  SUBCASE("InvalidChangeBatch in the 2024 shape") {}
  SUBCASE("InvalidChangeBatch in the older shape") {
    legacy = true;
    w.fake.configure({{"legacy_errors", true}});
  }
  Route53Provider provider = w.provider("ZPUBLIC");
  // Someone else moves www right after the provider read it, before its batch arrives.
  w.transport->before = [&](const HttpRequest& request) {
    if (request.method == "POST") {
      w.fake.set("ZPUBLIC", "www.example.test.", "CNAME", 300, {"third.example.org."});
    }
  };
  ProviderError error =
      failure(provider.replace(swap("app.aws.example.net.", "backup.gcp.example.net.")));
  CAPTURE(legacy);
  CHECK(error.kind == ErrorKind::Conflict);
  CHECK(error.message.find("values provided do not match") != std::string::npos);
  CHECK(error.message.find("points to third.example.org.") != std::string::npos);
  CHECK(w.fake.rrset("ZPUBLIC", "www.example.test.", "CNAME")["values"] ==
        json::array({"third.example.org."}));
}

TEST_CASE("a compare-and-swap already lost when read is a conflict without a write") {
  World w;
  w.fake.set("ZPUBLIC", "www.example.test.", "CNAME", 300, {"third.example.org."});
  w.fake.clearRequests();
  ProviderError error =
      failure(w.provider("ZPUBLIC").replace(swap("app.aws.example.net.", "backup.example.net.")));
  CHECK(error.kind == ErrorKind::Conflict);
  CHECK(w.fake.operations() == std::vector<std::string>{"ListResourceRecordSets"});
}

TEST_CASE("throttling is RateLimited with the server's Retry-After, and the next call succeeds") {
  World w;
  Route53Provider provider = w.provider("ZPUBLIC");
  SUBCASE("Throttling") {
    w.fake.fault({{"kind", "throttle"}, {"count", 1}, {"retry_after", 2}});
    ProviderError error = failure(provider.read(kWww));
    CHECK(error.kind == ErrorKind::RateLimited);
    CHECK(error.retry_after == std::chrono::milliseconds(2000));
    CHECK(error.message.find("Throttling (HTTP 400): Rate exceeded") != std::string::npos);
  }
  SUBCASE("PriorRequestNotComplete on the change") {
    w.fake.fault({{"kind", "prior_request"}, {"operation", "ChangeResourceRecordSets"}});
    ProviderError error =
        failure(provider.replace(swap("app.aws.example.net.", "backup.example.net.")));
    CHECK(error.kind == ErrorKind::RateLimited);
    CHECK(error.retriable());
    CHECK(w.fake.rrset("ZPUBLIC", "www.example.test.", "CNAME")["values"] ==
          json::array({"app.aws.example.net."}));
  }
  CHECK(served(provider.read(kWww)).kind == ServedRecord::Kind::Cname);
}

TEST_CASE("a 5xx is Transient") {
  World w;
  w.fake.fault({{"kind", "server_error"}, {"count", 1}});
  ProviderError error = failure(w.provider("ZPUBLIC").read(kWww));
  CHECK(error.kind == ErrorKind::Transient);
  CHECK(error.message.find("InternalFailure (HTTP 500)") != std::string::npos);
}

TEST_CASE("a PENDING change is Written with its id; GetChange polls tell Pending, then Applied") {
  World w;
  w.fake.configure({{"pending_polls", 2}});
  Route53Provider provider = w.provider("ZPUBLIC");
  std::vector<Result<Written>> written =
      provider.replaceBatch({swap("app.aws.example.net.", "backup.example.net.")});
  REQUIRE(std::holds_alternative<Written>(written.front()));
  const std::string change = std::get<Written>(written.front()).propagating_change;
  CHECK(!change.empty());
  // A throttled poll is an error of the poll alone: the change stays accepted.
  w.fake.fault({{"kind", "throttle"}, {"operation", "GetChange"}, {"count", 1}});
  CHECK(failure(provider.pollChange(change)).kind == ErrorKind::RateLimited);
  CHECK(std::get<Propagation>(provider.pollChange(change)) == Propagation::Pending);
  CHECK(std::get<Propagation>(provider.pollChange(change)) == Propagation::Pending);
  CHECK(std::get<Propagation>(provider.pollChange(change)) == Propagation::Applied);
  // PENDING changes are already listed: a retry re-reads and has nothing to do.
  w.fake.clearRequests();
  requireSuccess(provider.replace(swap("app.aws.example.net.", "backup.example.net.")));
  CHECK(w.fake.operations() == std::vector<std::string>{"ListResourceRecordSets"});
}

TEST_CASE("a change the fake keeps PENDING for a time is Applied once that time has passed") {
  World w;
  w.fake.configure({{"pending_polls", 0}, {"pending_seconds", 0.3}});
  Route53Provider provider = w.provider("ZPUBLIC");
  const auto accepted = std::chrono::steady_clock::now();
  std::vector<Result<Written>> written =
      provider.replaceBatch({swap("app.aws.example.net.", "backup.example.net.")});
  REQUIRE(std::holds_alternative<Written>(written.front()));
  const std::string change = std::get<Written>(written.front()).propagating_change;
  REQUIRE(!change.empty());
  CHECK(std::get<Propagation>(provider.pollChange(change)) == Propagation::Pending);
  Propagation state = Propagation::Pending;
  while (state == Propagation::Pending && std::chrono::steady_clock::now() - accepted < 10s) {
    std::this_thread::sleep_for(50ms);  // the fake keeps time: a condition, not a fixed wait
    state = std::get<Propagation>(provider.pollChange(change));
  }
  CHECK(state == Propagation::Applied);
  CHECK(std::chrono::steady_clock::now() - accepted >= 300ms);
}

TEST_CASE("revoked credentials and a wrong secret are Auth, and no secret is in the message") {
  World w;
  SUBCASE("revoked") {
    w.fake.control("POST", "revoke", json::object());
    ProviderError error = failure(w.provider().read(kWww));
    CHECK(error.kind == ErrorKind::Auth);
    CHECK(error.message.find("InvalidClientTokenId") != std::string::npos);
    CHECK(error.message.find(kAkid) == std::string::npos);
  }
  SUBCASE("a secret the server does not know: its own signature differs") {
    planb::providers::Route53Config config = w.fake.config("ZPUBLIC");
    config.settings.secret_access_key_file =
        writePrivate(w.fake.dir() + "/wrong_secret", "not-the-secret\n");
    ProviderError error = failure(Route53Provider(config, w.transport, w.options).read(kWww));
    CHECK(error.kind == ErrorKind::Auth);
    CHECK(error.message.find("SignatureDoesNotMatch") != std::string::npos);
    CHECK(error.message.find("not-the-secret") == std::string::npos);
    CHECK(error.message.find(kSecret) == std::string::npos);
  }
}

TEST_CASE("a malformed XML reply is Permanent") {
  World w;
  w.fake.fault({{"kind", "malformed"}, {"count", 1}});
  ProviderError error = failure(w.provider("ZPUBLIC").read(kWww));
  CHECK(error.kind == ErrorKind::Permanent);
  CHECK(error.message.find("malformed XML") != std::string::npos);
}

TEST_CASE("pages are followed while they stay at the name, with name, type and identifier") {
  World w;
  w.options.list_page_size = 1;
  SUBCASE("weighted CNAMEs") {
    w.fake.set("ZPUBLIC", "lb.example.test.", "CNAME", 60, {"blue.example.net."},
               {{"set_identifier", "blue"}, {"weight", 1}});
    w.fake.set("ZPUBLIC", "lb.example.test.", "CNAME", 60, {"green.example.net."},
               {{"set_identifier", "green"}, {"weight", 1}});
    w.fake.clearRequests();
    ServedRecord lb = served(w.provider("ZPUBLIC").read({"example.test.", "lb.example.test."}));
    CHECK(lb.kind == ServedRecord::Kind::Conflict);
    CHECK(lb.conflict_type == "CNAME (set identifier blue)");
    json log = w.fake.requests();
    REQUIRE(log.size() == 2);
    CHECK(log[0]["query"] == "maxitems=1&name=lb.example.test.");
    CHECK(log[1]["query"] == "identifier=green&maxitems=1&name=lb.example.test.&type=CNAME");
  }
  SUBCASE("a CNAME with other types beside it (set behind the API's back)") {
    w.fake.set("ZPUBLIC", "www.example.test.", "CAA", 60, {"0 issue \"ca.example\""});
    w.fake.set("ZPUBLIC", "www.example.test.", "TXT", 60, {"\"v=1\""});
    w.fake.clearRequests();
    ServedRecord www = served(w.provider("ZPUBLIC").read(kWww));
    CHECK(www.kind == ServedRecord::Kind::Conflict);
    CHECK(www.conflict_type == "CAA");  // the first other type, not the CNAME, is named
    CHECK(w.fake.requests().size() == 3);
  }
  SUBCASE("a lone CNAME still takes one request") {
    ServedRecord www = served(w.provider("ZPUBLIC").read(kWww));
    CHECK(www.kind == ServedRecord::Kind::Cname);
    CHECK(w.fake.requests().size() == 1);
  }
}

// ---- batches, limits and the request rate ----

namespace {

std::string label(int i) {
  return "r" + std::to_string(i) + ".example.test.";
}

// COUNT CNAMEs r0… r(COUNT-1) at old.example.net., and the swaps that move them all.
std::vector<ReplaceRequest> manyRecords(World& w, int count) {
  std::vector<ReplaceRequest> swaps;
  for (int i = 0; i < count; ++i) {
    w.fake.set("ZPUBLIC", label(i), "CNAME", 60, {"old.example.net."});
    swaps.push_back(swap("old.example.net.", "new.example.net.", label(i)));
  }
  w.fake.clearRequests();
  return swaps;
}

int countOf(const std::vector<std::string>& operations, const std::string& operation) {
  return static_cast<int>(std::count(operations.begin(), operations.end(), operation));
}

}  // namespace

TEST_CASE("200 records move in one ChangeBatch after one listing of the zone") {
  World w;
  std::vector<ReplaceRequest> swaps = manyRecords(w, 200);
  Route53Provider provider = w.provider("ZPUBLIC");
  const auto start = std::chrono::steady_clock::now();
  std::vector<Result<Written>> results = provider.replaceBatch(swaps);
  MESSAGE("200 records written in " << std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::steady_clock::now() - start)
                                           .count()
                                    << " ms");

  CHECK(w.fake.operations() ==
        std::vector<std::string>{"ListResourceRecordSets", "ChangeResourceRecordSets"});
  REQUIRE(results.size() == 200);
  for (int i = 0; i < 200; ++i) {
    CAPTURE(i);
    REQUIRE(std::holds_alternative<Written>(results[i]));
    CHECK(std::get<Written>(results[i]).propagating_change ==
          std::get<Written>(results[0]).propagating_change);
    CHECK(w.fake.rrset("ZPUBLIC", label(i), "CNAME")["values"] ==
          json::array({"new.example.net."}));
  }
}

TEST_CASE("a batch over Route 53's 1,000 ResourceRecords goes as two, each accepted by the fake") {
  World w;
  std::vector<ReplaceRequest> swaps = manyRecords(w, 510);  // 1,020 ResourceRecords
  SUBCASE("split by the documented limits") {
    std::vector<Result<Written>> results = w.provider("ZPUBLIC").replaceBatch(swaps);
    std::vector<std::string> operations = w.fake.operations();
    CHECK(countOf(operations, "ChangeResourceRecordSets") == 2);
    CHECK(countOf(operations, "ListResourceRecordSets") == 2);  // 513 sets, 300 a page
    for (const Result<Written>& result : results) {
      CHECK(std::holds_alternative<Written>(result));
    }
    CHECK(w.fake.rrset("ZPUBLIC", label(509), "CNAME")["values"] ==
          json::array({"new.example.net."}));
  }
  SUBCASE("the fake refuses one batch over them whole, as Route 53 does") {
    w.options.batch_limits.resource_records = 2000;
    w.options.batch_limits.changes = 2000;
    std::vector<Result<Written>> results = w.provider("ZPUBLIC").replaceBatch(swaps);
    ProviderError error = failure(results.front());
    CHECK(error.kind == ErrorKind::Permanent);
    CHECK(error.message.find("Number of records limit of 1000 exceeded.") != std::string::npos);
    CHECK(w.fake.rrset("ZPUBLIC", label(0), "CNAME")["values"] ==
          json::array({"old.example.net."}));
  }
}

TEST_CASE("a batch over Route 53's 32,000 characters of values goes as two, each accepted") {
  World w;
  // 204-character targets: a swap's DELETE and CREATE hold 408 characters, 78 swaps fit.
  const std::string labels =
      std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + ".";
  const std::string old_target = labels + "old-example.net.";
  const std::string new_target = labels + "new-example.net.";
  std::vector<ReplaceRequest> swaps;
  for (int i = 0; i < 80; ++i) {
    w.fake.set("ZPUBLIC", label(i), "CNAME", 60, {old_target});
    swaps.push_back(swap(old_target, new_target, label(i)));
  }
  w.fake.clearRequests();
  SUBCASE("split by the documented limit") {
    std::vector<Result<Written>> results = w.provider("ZPUBLIC").replaceBatch(swaps);
    CHECK(countOf(w.fake.operations(), "ChangeResourceRecordSets") == 2);
    for (const Result<Written>& result : results) {
      CHECK(std::holds_alternative<Written>(result));
    }
  }
  SUBCASE("the fake refuses one batch over it whole, as Route 53 does") {
    w.options.batch_limits.value_characters = 64'000;
    ProviderError error = failure(w.provider("ZPUBLIC").replaceBatch(swaps).front());
    CHECK(error.kind == ErrorKind::Permanent);
    CHECK(error.message.find("RDATA character limit of 32000 exceeded.") != std::string::npos);
  }
}

TEST_CASE("a record changed behind the provider's back conflicts alone; the others go through") {
  World w;
  std::vector<ReplaceRequest> swaps = manyRecords(w, 20);
  bool moved = false;
  w.transport->before = [&](const HttpRequest& request) {
    if (request.method == "POST" && !moved) {
      moved = true;
      w.fake.set("ZPUBLIC", label(7), "CNAME", 60, {"third.example.org."});
    }
  };
  std::vector<Result<Written>> results = w.provider("ZPUBLIC").replaceBatch(swaps);
  for (int i = 0; i < 20; ++i) {
    CAPTURE(i);
    if (i == 7) {
      ProviderError error = failure(results[i]);
      CHECK(error.kind == ErrorKind::Conflict);
      CHECK(error.message.find("points to third.example.org.") != std::string::npos);
      CHECK(w.fake.rrset("ZPUBLIC", label(i), "CNAME")["values"] ==
            json::array({"third.example.org."}));
    } else {
      CHECK(std::holds_alternative<Written>(results[i]));
      CHECK(w.fake.rrset("ZPUBLIC", label(i), "CNAME")["values"] ==
            json::array({"new.example.net."}));
    }
  }
  CHECK(w.fake.operations() ==
        std::vector<std::string>{"ListResourceRecordSets", "ChangeResourceRecordSets",
                                 "ListResourceRecordSets", "ChangeResourceRecordSets"});
}

TEST_CASE(
    "with Route 53's five requests a second enforced, the provider's ceiling is never "
    "throttled") {
  World w;
  manyRecords(w, 3);
  w.fake.configure({{"max_requests_per_second", 5}});
  w.fake.control("DELETE", "stats");
  bool with_ceiling = true;
  SUBCASE("the default ceiling, on the real clock") {
    w.options.ceiling = nullptr;  // kRoute53Ceiling on the system clock
  }
  SUBCASE("without it (a ceiling that keeps no time), the fake throttles: the check can fail") {
    with_ceiling = false;
  }
  Route53Provider provider = w.provider("ZPUBLIC");
  // Twelve requests: the single reads go one name each, then polls of a batch's change.
  int errors = 0;
  for (int i = 0; i < 6; ++i) {
    errors += std::holds_alternative<ProviderError>(provider.read({"example.test.", label(i % 3)}));
  }
  std::vector<Result<Written>> written =
      provider.replaceBatch({swap("old.example.net.", "new.example.net.", label(0)),
                             swap("old.example.net.", "new.example.net.", label(1))});
  for (int i = 0; i < 4 && std::holds_alternative<Written>(written.front()); ++i) {
    errors += std::holds_alternative<ProviderError>(
        provider.pollChange(std::get<Written>(written.front()).propagating_change));
  }
  json stats = w.fake.stats();
  MESSAGE("requests " << stats["requests"] << ", throttled " << stats["throttled"]
                      << ", most in any second " << stats["max_in_any_second"]);
  if (with_ceiling) {
    CHECK(stats["requests"] == 12);
    CHECK(stats["throttled"] == 0);
    CHECK(errors == 0);
    // Five a second by the ceiling's clock; delivery jitter can bring a sixth within one second
    // of the fake's clock, which its bucket of five absorbs.
    CHECK(stats["max_in_any_second"].get<int>() <= 6);
  } else {
    CHECK(stats["throttled"].get<int>() > 0);
  }
}

// ---- the real service's rules (issue 15) ----

namespace {

const std::string kSessionToken = "IQoJb3JpZ2luX2VjEXAMPLE/session+token==";

// A second fake playing the China partition with temporary credentials: signatures are checked
// for cn-northwest-1 and every request must carry and sign the session token.
FakeRoute53& chinaFake() {
  static FakeRoute53 fake({"--signing-region", "cn-northwest-1"}, kSessionToken);
  return fake;
}

}  // namespace

TEST_CASE("a fake of the China partition refuses us-east-1 and accepts signing_region") {
  FakeRoute53& fake = chinaFake();
  fake.reset();
  fake.addZone("example.test.", "ZCN");
  fake.set("ZCN", "www.example.test.", "CNAME", 300, {"app.aws.example.net."});
  auto transport = std::make_shared<CurlTransport>();
  planb::testing::RecordedCeiling ceiling;
  Route53Options options;
  options.ceiling = ceiling.make(kRoute53Ceiling);

  // A loopback endpoint tells no partition: us-east-1, which this partition refuses.
  Route53Config config = fake.config("ZCN");
  ProviderError refused = failure(Route53Provider(config, transport, options).read(kWww));
  CHECK(refused.kind == ErrorKind::Auth);
  CHECK(refused.message.find("Credential should be scoped to a valid region, not 'us-east-1'") !=
        std::string::npos);

  config.settings.signing_region = "cn-northwest-1";
  Route53Provider provider(config, transport, options);
  CHECK(served(provider.read(kWww)).target == "app.aws.example.net.");
  REQUIRE(std::holds_alternative<Unit>(
      provider.replace(swap("app.aws.example.net.", "backup.example.org."))));
  CHECK(fake.rrset("ZCN", "www.example.test.", "CNAME")["values"] ==
        json::array({"backup.example.org."}));
  for (const json& request : fake.requests()) {
    CHECK(request["headers"]["X-Amz-Security-Token"] == kSessionToken);
  }
}

TEST_CASE("a session token the fake is told has expired is Auth naming the token") {
  FakeRoute53& fake = chinaFake();
  fake.reset();
  fake.addZone("example.test.", "ZCN");
  fake.configure({{"token_expired", true}});
  Route53Config config = fake.config("ZCN");
  config.settings.signing_region = "cn-northwest-1";
  planb::testing::RecordedCeiling ceiling;
  Route53Options options;
  options.ceiling = ceiling.make(kRoute53Ceiling);
  ProviderError error =
      failure(Route53Provider(config, std::make_shared<CurlTransport>(), options).read(kWww));
  CHECK(error.kind == ErrorKind::Auth);
  CHECK(error.message.find("ExpiredToken") != std::string::npos);
  CHECK(error.message.find("the session token has expired") != std::string::npos);
  CHECK(error.message.find("session_token_file") != std::string::npos);
  CHECK(error.message.find(kSessionToken) == std::string::npos);
}

TEST_CASE("a CNAME with a health check keeps it through a failover") {
  World w;
  w.fake.set("ZPUBLIC", "hc.example.test.", "CNAME", 300, {"app.aws.example.net."},
             {{"health_check_id", "abcdef11-2222-3333-4444-555555fedcba"}});
  REQUIRE(std::holds_alternative<Unit>(w.provider("ZPUBLIC").replace(
      swap("app.aws.example.net.", "backup.example.org.", "hc.example.test."))));
  json set = w.fake.rrset("ZPUBLIC", "hc.example.test.", "CNAME");
  CHECK(set["values"] == json::array({"backup.example.org."}));
  CHECK(set["health_check_id"] == "abcdef11-2222-3333-4444-555555fedcba");
}

TEST_CASE("a change of a name long enough to overflow the comment is accepted") {
  World w;
  const std::string label(60, 'n');
  const std::string name = label + "." + label + "." + label + ".example.test.";
  const std::string target = label + "." + label + ".backup.example.org.";
  w.fake.set("ZPUBLIC", name, "CNAME", 300, {"app.aws.example.net."});
  Result<Unit> done = w.provider("ZPUBLIC").replace(swap("app.aws.example.net.", target, name));
  if (const auto* error = std::get_if<ProviderError>(&done)) {
    FAIL("unexpected error: " << error->message);
  }
  CHECK(w.fake.rrset("ZPUBLIC", name, "CNAME")["values"] == json::array({target}));
}

// ---- the rehearsal's TXT record and the delegation set (product.md §11) ----

namespace {

const RecordRef kRehearsalTxt{"example.test.", "_planb-rehearsal.example.test."};

template <typename T>
const T& succeeded(const Result<T>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<T>(result);
}

std::vector<std::string> txtOf(const Result<std::vector<std::string>>& result) {
  return succeeded(result);
}

// A fake whose public zones are delegated to name servers of its command line.
FakeRoute53& delegatedFake() {
  static FakeRoute53 fake({"--name-servers", "NS-1.Example.net,ns-0.example.org"});
  return fake;
}

}  // namespace

TEST_CASE(
    "a rehearsal TXT is written PENDING then Applied, read back, rewritten, deleted and deleted "
    "again, and the managed CNAME beside it is untouched") {
  World w;
  w.fake.configure({{"pending_polls", 1}});
  Route53Provider provider = w.provider();
  const json www_before = w.fake.rrset("ZPUBLIC", "www.example.test.", "CNAME");

  const Written written = succeeded(provider.writeTxt({kRehearsalTxt, "planb-token-1", 60}));
  REQUIRE(!written.propagating_change.empty());
  CHECK(w.fake.rrset("ZPUBLIC", kRehearsalTxt.name, "TXT")["values"] ==
        json::array({"\"planb-token-1\""}));
  CHECK(txtOf(provider.readTxt(kRehearsalTxt)) == std::vector<std::string>{"planb-token-1"});
  CHECK(succeeded(provider.pollChange(written.propagating_change)) == Propagation::Pending);
  CHECK(succeeded(provider.pollChange(written.propagating_change)) == Propagation::Applied);

  succeeded(provider.writeTxt({kRehearsalTxt, "planb-token-2", 30}));
  CHECK(txtOf(provider.readTxt(kRehearsalTxt)) == std::vector<std::string>{"planb-token-2"});
  CHECK(w.fake.rrset("ZPUBLIC", kRehearsalTxt.name, "TXT")["ttl"] == 30);

  const Written deleted = succeeded(provider.deleteTxt(kRehearsalTxt));
  CHECK(!deleted.propagating_change.empty());
  CHECK(w.fake.rrset("ZPUBLIC", kRehearsalTxt.name, "TXT").is_null());
  CHECK(txtOf(provider.readTxt(kRehearsalTxt)).empty());

  // A clean-up run twice (after a crash): one listing, no change, success.
  w.fake.clearRequests();
  CHECK(succeeded(provider.deleteTxt(kRehearsalTxt)).propagating_change.empty());
  CHECK(w.fake.operations() == std::vector<std::string>{"ListResourceRecordSets"});

  CHECK(w.fake.rrset("ZPUBLIC", "www.example.test.", "CNAME") == www_before);
  CHECK(served(provider.read(kWww)).target == "app.aws.example.net.");
  for (const json& request : w.fake.requests()) {
    CHECK(request["status"] == 200);
  }
}

TEST_CASE("only the TXT set is written and deleted where the name holds another type too") {
  World w;
  w.fake.set("ZPUBLIC", kRehearsalTxt.name, "A", 60, {"192.0.2.7"});
  Route53Provider provider = w.provider("ZPUBLIC");
  succeeded(provider.writeTxt({kRehearsalTxt, "planb-token", 60}));
  CHECK(txtOf(provider.readTxt(kRehearsalTxt)) == std::vector<std::string>{"planb-token"});
  succeeded(provider.deleteTxt(kRehearsalTxt));
  CHECK(w.fake.rrset("ZPUBLIC", kRehearsalTxt.name, "TXT").is_null());
  CHECK(w.fake.rrset("ZPUBLIC", kRehearsalTxt.name, "A")["values"] == json::array({"192.0.2.7"}));
}

TEST_CASE(
    "a TXT set changed between the read and the DELETE is refused by the fake, read again "
    "and deleted") {
  World w;
  Route53Provider provider = w.provider("ZPUBLIC");
  succeeded(provider.writeTxt({kRehearsalTxt, "planb-token-1", 60}));
  // Another planbd (a fleet's former leader) rewrites it just before our DELETE goes out.
  bool changed = false;
  w.transport->before = [&](const HttpRequest& request) {
    if (request.method == "POST" && !changed) {
      changed = true;
      w.fake.set("ZPUBLIC", kRehearsalTxt.name, "TXT", 60, {"\"planb-token-2\""});
    }
  };
  w.fake.clearRequests();
  succeeded(provider.deleteTxt(kRehearsalTxt));
  w.transport->before = nullptr;
  CHECK(changed);
  CHECK(w.fake.rrset("ZPUBLIC", kRehearsalTxt.name, "TXT").is_null());
  const json log = w.fake.requests();
  REQUIRE(log.size() == 4);
  CHECK(log[1]["error_code"] == "InvalidChangeBatch");
  CHECK(log[3]["status"] == 200);
}

TEST_CASE("nameServers answers the fake's delegation set, canonical and sorted") {
  World w;
  CHECK(succeeded(w.provider().nameServers("example.test.")) ==
        std::vector<std::string>{"ns-2048.awsdns-64.com.", "ns-2049.awsdns-65.net.",
                                 "ns-2050.awsdns-66.org.", "ns-2051.awsdns-67.co.uk."});
  const std::vector<std::string> operations = w.fake.operations();
  CHECK(std::count(operations.begin(), operations.end(), "GetHostedZone") == 1);
  CHECK(operations.back() == "GetHostedZone");
  // A private zone, named by its id, has no delegation set.
  CHECK(succeeded(w.provider("ZAPRIVATE").nameServers("example.test.")).empty());
  // A zone the account no longer has is NotFound.
  CHECK(failure(w.provider("ZGONE").nameServers("example.test.")).kind == ErrorKind::NotFound);
}

TEST_CASE("nameServers answers the delegation set the fake was started with") {
  FakeRoute53& fake = delegatedFake();
  fake.reset();
  fake.addZone("example.test.", "ZDELEGATED");
  planb::testing::RecordedCeiling ceiling;
  Route53Options options;
  options.ceiling = ceiling.make(kRoute53Ceiling);
  Route53Provider provider(fake.config(), std::make_shared<CurlTransport>(), options);
  CHECK(succeeded(provider.nameServers("example.test.")) ==
        std::vector<std::string>{"ns-0.example.org.", "ns-1.example.net."});
}

TEST_CASE("revoked credentials are Auth for every rehearsal step and for the name servers") {
  World w;
  Route53Provider provider = w.provider("ZPUBLIC");
  w.fake.control("POST", "revoke", json::object());
  for (const ProviderError& error : {failure(provider.readTxt(kRehearsalTxt)),
                                     failure(provider.writeTxt({kRehearsalTxt, "planb-token", 60})),
                                     failure(provider.deleteTxt(kRehearsalTxt)),
                                     failure(provider.nameServers("example.test."))}) {
    CAPTURE(error.message);
    CHECK(error.kind == ErrorKind::Auth);
    CHECK(error.message.find("InvalidClientTokenId") != std::string::npos);
    CHECK(error.message.find(kAkid) == std::string::npos);
  }
  w.fake.configure({{"revoked", false}});
  CHECK(w.fake.rrset("ZPUBLIC", kRehearsalTxt.name, "TXT").is_null());
}

TEST_CASE("an expired session token is Auth for a rehearsal write, naming the token") {
  FakeRoute53& fake = chinaFake();
  fake.reset();
  fake.addZone("example.test.", "ZCN");
  fake.configure({{"token_expired", true}});
  Route53Config config = fake.config("ZCN");
  config.settings.signing_region = "cn-northwest-1";
  planb::testing::RecordedCeiling ceiling;
  Route53Options options;
  options.ceiling = ceiling.make(kRoute53Ceiling);
  Route53Provider provider(config, std::make_shared<CurlTransport>(), options);
  ProviderError error = failure(provider.writeTxt({kRehearsalTxt, "planb-token", 60}));
  CHECK(error.kind == ErrorKind::Auth);
  CHECK(error.message.find("ExpiredToken") != std::string::npos);
  CHECK(error.message.find("session_token_file") != std::string::npos);
  CHECK(error.message.find(kSessionToken) == std::string::npos);
  CHECK(fake.rrset("ZCN", kRehearsalTxt.name, "TXT").is_null());
}
