// Route 53 held to the corpus of real exchanges (tests/conformance/route53/, README there):
// every recorded reply parses, with the provider's own codec, to what Route 53 meant ("expect"),
// and what planb sends for the same operations carries the recorded path, query parameters, body
// elements and signed headers. No network.

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <tinyxml2.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fakes/canned_transport.hpp"
#include "fakes/corpus_exchanges.hpp"
#include "fakes/recorded_ceiling.hpp"
#include "fakes/temp_dir.hpp"
#include "net/sigv4.hpp"
#include "providers/route53_provider.hpp"

using namespace planb::net;
using namespace planb::providers;
using namespace std::chrono;
using json = nlohmann::json;

namespace {

using Exchange = planb::testing::CorpusExchange;

std::vector<Exchange> corpus() {
  return planb::testing::loadCorpus(PLANB_ROUTE53_CORPUS);
}

std::string rootOf(const std::string& body) {
  tinyxml2::XMLDocument doc;
  if (doc.Parse(body.data(), body.size()) != tinyxml2::XML_SUCCESS || !doc.RootElement()) {
    return "";
  }
  return doc.RootElement()->Name();
}

// Element paths of an XML body ("A/B/C"), namespace-free: what a request carries.
void pathsOf(const tinyxml2::XMLElement* e, const std::string& prefix, std::set<std::string>& out) {
  const std::string path = prefix.empty() ? e->Name() : prefix + "/" + e->Name();
  out.insert(path);
  for (auto* c = e->FirstChildElement(); c != nullptr; c = c->NextSiblingElement()) {
    pathsOf(c, path, out);
  }
}

std::set<std::string> elementPaths(const std::string& body) {
  tinyxml2::XMLDocument doc;
  std::set<std::string> out;
  if (doc.Parse(body.data(), body.size()) == tinyxml2::XML_SUCCESS && doc.RootElement()) {
    pathsOf(doc.RootElement(), "", out);
  }
  return out;
}

std::set<std::string> queryNames(const std::string& query) {
  std::set<std::string> names;
  std::istringstream in(query);
  for (std::string part; std::getline(in, part, '&');) {
    if (!part.empty()) {
      names.insert(part.substr(0, part.find('=')));
    }
  }
  return names;
}

void checkRecords(const route53::RecordPage& page, const json& expect) {
  CHECK(page.truncated == expect.value("truncated", false));
  if (expect.contains("next_name")) {
    CHECK(page.next_name == expect["next_name"].get<std::string>());
    CHECK(page.next_type == expect["next_type"].get<std::string>());
  }
  REQUIRE(page.sets.size() == expect["records"].size());
  for (std::size_t i = 0; i < page.sets.size(); ++i) {
    const route53::RecordSet& set = page.sets[i];
    const json& want = expect["records"][i];
    CAPTURE(i);
    CHECK(route53::canonicalName(set.name) == want["name"].get<std::string>());
    CHECK(set.type == want["type"].get<std::string>());
    CHECK(set.values == want["values"].get<std::vector<std::string>>());
    if (want.contains("ttl")) {
      CHECK(set.ttl == want["ttl"].get<std::uint32_t>());
    } else {
      CHECK_FALSE(set.ttl.has_value());
    }
    CHECK(set.set_identifier == (want.contains("set_identifier")
                                     ? std::optional(want["set_identifier"].get<std::string>())
                                     : std::nullopt));
    CHECK(set.alias == want.value("alias", false));
  }
}

const system_clock::time_point kSuiteTime = sys_days{year{2015} / 8 / 30} + hours{12} + minutes{36};

}  // namespace

TEST_CASE("every reply of the corpus parses to what Route 53 meant") {
  const std::vector<Exchange> exchanges = corpus();
  REQUIRE(exchanges.size() >= 12);
  for (const Exchange& e : exchanges) {
    CAPTURE(e.file);
    const json& expect = e.json.at("expect");
    CHECK_FALSE(e.json.at("source").get<std::string>().empty());
    if (e.json.at("response").is_null()) {
      continue;  // a request only (the signing vector below)
    }
    const std::string body = e.json["response"]["body"];
    const long status = e.json["response"]["status"];
    if (expect.contains("error_kind")) {
      ProviderError error = route53::classifyError(HttpResponse{status, {}, body}, "corpus");
      CHECK(nameOf(error.kind) == expect["error_kind"].get<std::string>());
      std::optional<route53::ErrorBody> parsed = route53::parseErrorBody(body);
      REQUIRE(parsed.has_value());
      CHECK(parsed->code == expect["code"].get<std::string>());
      continue;
    }
    const std::string root = rootOf(body);
    if (root == "ListResourceRecordSetsResponse") {
      Result<route53::RecordPage> page = route53::parseRecordPage(body);
      REQUIRE(std::holds_alternative<route53::RecordPage>(page));
      checkRecords(std::get<route53::RecordPage>(page), expect);
    } else if (root == "ListHostedZonesByNameResponse") {
      Result<route53::ZonePage> page = route53::parseZonePage(body);
      REQUIRE(std::holds_alternative<route53::ZonePage>(page));
      const route53::ZonePage& zones = std::get<route53::ZonePage>(page);
      REQUIRE(zones.zones.size() == expect["zones"].size());
      CHECK(zones.truncated == expect["truncated"].get<bool>());
      for (std::size_t i = 0; i < zones.zones.size(); ++i) {
        CHECK(zones.zones[i].id == expect["zones"][i]["id"].get<std::string>());
        CHECK(zones.zones[i].name == expect["zones"][i]["name"].get<std::string>());
        CHECK(zones.zones[i].private_zone == expect["zones"][i]["private"].get<bool>());
      }
    } else if (root == "GetHostedZoneResponse") {
      Result<route53::HostedZoneDetail> detail = route53::parseHostedZone(body);
      REQUIRE(std::holds_alternative<route53::HostedZoneDetail>(detail));
      const route53::HostedZoneDetail& zone = std::get<route53::HostedZoneDetail>(detail);
      const json& want = expect["hosted_zone"];
      CHECK(zone.zone.id == want["id"].get<std::string>());
      CHECK(zone.zone.name == want["name"].get<std::string>());
      CHECK(zone.zone.private_zone == want["private"].get<bool>());
      CHECK(zone.name_servers == want["name_servers"].get<std::vector<std::string>>());
    } else {
      Result<route53::ChangeInfo> info = route53::parseChangeInfo(body);
      REQUIRE(std::holds_alternative<route53::ChangeInfo>(info));
      CHECK(std::get<route53::ChangeInfo>(info).id == expect["change"]["id"].get<std::string>());
      CHECK(std::get<route53::ChangeInfo>(info).status ==
            expect["change"]["status"].get<std::string>());
    }
  }
}

TEST_CASE("what planb reads from a recorded listing is what Route 53 served") {
  for (const Exchange& e : corpus()) {
    if (!e.json["expect"].contains("served")) {
      continue;
    }
    CAPTURE(e.file);
    planb::testing::TempDir dir;
    Route53Config config;
    config.name = "corpus";
    for (const char* file : {"akid", "secret"}) {
      const std::string path = dir.path() + "/" + file;
      std::ofstream(path) << "AKIDEXAMPLE\n";
      ::chmod(path.c_str(), 0600);
    }
    config.settings.access_key_id_file = dir.path() + "/akid";
    config.settings.secret_access_key_file = dir.path() + "/secret";
    config.settings.hosted_zone_id = "Z1";
    auto transport = std::make_shared<planb::testing::CannedTransport>();
    transport->reply(200, e.json["response"]["body"].get<std::string>());
    planb::testing::RecordedCeiling ceiling;
    Route53Options options;
    options.ceiling = ceiling.make(kRoute53Ceiling);
    options.clock = [] { return kSuiteTime; };
    Route53Provider provider(config, transport, options);
    // Several names: one listing of the whole zone answers them all, as in a round.
    std::vector<std::string> names;
    for (const auto& [name, want] : e.json["expect"]["served"].items()) {
      names.push_back(name);
    }
    names.push_back("planb-absent.invalid.");
    std::vector<Result<ServedRecord>> read = provider.readBatch("zone.", names);
    REQUIRE(read.size() == names.size());
    REQUIRE(std::holds_alternative<ServedRecord>(read.back()));
    CHECK(std::get<ServedRecord>(read.back()).kind == ServedRecord::Kind::Absent);
    for (std::size_t i = 0; i + 1 < names.size(); ++i) {
      CAPTURE(names[i]);
      const json& want = e.json["expect"]["served"][names[i]];
      REQUIRE(std::holds_alternative<ServedRecord>(read[i]));
      const ServedRecord& served = std::get<ServedRecord>(read[i]);
      if (want["kind"] == "CNAME") {
        CHECK(served.kind == ServedRecord::Kind::Cname);
        CHECK(served.target == want["target"].get<std::string>());
        CHECK(served.ttl == want["ttl"].get<std::uint32_t>());
      } else {
        CHECK(served.kind == ServedRecord::Kind::Conflict);
        CHECK(served.conflict_type == want["conflict_type"].get<std::string>());
      }
    }
  }
}

namespace {

// A provider on the corpus' account, answering from TRANSPORT.
Route53Provider corpusProvider(const planb::testing::TempDir& dir, const std::string& zone_id,
                               std::shared_ptr<planb::testing::CannedTransport> transport,
                               planb::testing::RecordedCeiling& ceiling) {
  Route53Config config;
  config.name = "corpus";
  for (const char* file : {"akid", "secret"}) {
    const std::string path = dir.path() + "/" + file;
    std::ofstream(path) << "AKIDEXAMPLE\n";
    ::chmod(path.c_str(), 0600);
  }
  config.settings.access_key_id_file = dir.path() + "/akid";
  config.settings.secret_access_key_file = dir.path() + "/secret";
  config.settings.hosted_zone_id = zone_id;
  Route53Options options;
  options.ceiling = ceiling.make(kRoute53Ceiling);
  options.clock = [] { return kSuiteTime; };
  return Route53Provider(config, std::move(transport), options);
}

const json& corpusEntry(const std::vector<Exchange>& exchanges, std::string_view prefix) {
  for (const Exchange& e : exchanges) {
    if (e.file.starts_with(prefix)) {
      return e.json;
    }
  }
  FAIL("no corpus exchange " << prefix);
  static const json none;
  return none;
}

// The text of every Value element of a ChangeBatch, as Route 53 reads it (entities decoded).
std::vector<std::string> valuesIn(const std::string& body) {
  std::vector<std::string> values;
  tinyxml2::XMLDocument doc;
  if (doc.Parse(body.data(), body.size()) != tinyxml2::XML_SUCCESS) {
    return values;
  }
  std::vector<const tinyxml2::XMLElement*> open = {doc.RootElement()};
  while (!open.empty()) {
    const tinyxml2::XMLElement* e = open.back();
    open.pop_back();
    for (auto* c = e->LastChildElement(); c != nullptr; c = c->PreviousSiblingElement()) {
      open.push_back(c);
    }
    if (std::string_view(e->Name()) == "Value" && e->GetText() != nullptr) {
      values.emplace_back(e->GetText());
    }
  }
  return values;
}

}  // namespace

TEST_CASE("what planb reads from a recorded TXT listing is each value without its quotes") {
  const std::vector<Exchange> exchanges = corpus();
  const json& recorded = corpusEntry(exchanges, "17-");
  Result<route53::RecordPage> page =
      route53::parseRecordPage(recorded["response"]["body"].get<std::string>());
  REQUIRE(std::holds_alternative<route53::RecordPage>(page));
  for (const auto& item : recorded["expect"]["txt"].items()) {
    const std::string name = item.key();
    CAPTURE(name);
    std::vector<std::string> values;
    for (const route53::RecordSet& set : std::get<route53::RecordPage>(page).sets) {
      if (route53::canonicalName(set.name) == name && set.type == "TXT") {
        for (const std::string& value : set.values) {
          values.push_back(route53::unquoteTxt(value));
        }
      }
    }
    CHECK(values == item.value().get<std::vector<std::string>>());
  }
}

TEST_CASE("planb's TXT write and delete carry the recorded path, body elements and quoted value") {
  const std::vector<Exchange> exchanges = corpus();
  const json& create = corpusEntry(exchanges, "15-")["request"];
  const json& remove = corpusEntry(exchanges, "16-")["request"];
  planb::testing::TempDir dir;
  planb::testing::RecordedCeiling ceiling;
  auto transport = std::make_shared<planb::testing::CannedTransport>();
  const std::string pending = corpusEntry(exchanges, "15-")["response"]["body"];
  // The set as Route 53 served it after the recorded CREATE (the listing's form, 17-).
  transport->reply(200, pending)
      .reply(200,
             "<ListResourceRecordSetsResponse><ResourceRecordSets><ResourceRecordSet><Name>"
             "delete.testfilt.fullcr1stal.tk.</Name><Type>TXT</Type><TTL>3600</TTL>"
             "<ResourceRecords><ResourceRecord><Value>&quot;challengetoken&quot;</Value>"
             "</ResourceRecord></ResourceRecords></ResourceRecordSet></ResourceRecordSets>"
             "<IsTruncated>false</IsTruncated></ListResourceRecordSetsResponse>")
      .reply(200, corpusEntry(exchanges, "16-")["response"]["body"].get<std::string>());
  Route53Provider provider = corpusProvider(dir, "Z0748009194T9V149ZJ4F", transport, ceiling);
  const RecordRef record{"fullcr1stal.tk.", "delete.testfilt.fullcr1stal.tk."};
  REQUIRE(std::holds_alternative<Written>(provider.writeTxt({record, "challengetoken", 3600})));
  REQUIRE(std::holds_alternative<Written>(provider.deleteTxt(record)));
  REQUIRE(transport->requests.size() == 3);
  const std::vector<std::pair<const HttpRequest*, const json*>> pairs = {
      {&transport->requests[0], &create}, {&transport->requests[2], &remove}};
  for (const auto& pair : pairs) {
    const HttpRequest* sent = pair.first;
    const json& recorded = *pair.second;
    CHECK(sent->method == recorded["method"].get<std::string>());
    CHECK(sent->url == "https://route53.amazonaws.com" + recorded["path"].get<std::string>());
    const std::set<std::string> have = elementPaths(sent->body);
    for (const std::string& path : elementPaths(recorded["body"])) {
      CHECK_MESSAGE(have.count(path) == 1, "planb's ChangeBatch lacks " << path);
    }
    CHECK(valuesIn(sent->body) == valuesIn(recorded["body"]));
  }
  // The DELETE repeats the recorded one's set: same TTL, same quoted value.
  CHECK(remove["body"].get<std::string>().find("<TTL>3600</TTL>") != std::string::npos);
  CHECK(transport->requests[2].body.find("<TTL>3600</TTL>") != std::string::npos);
}

TEST_CASE("planb's ChangeBatch carries the recorded path and every recorded body element") {
  json recorded;
  for (const Exchange& e : corpus()) {
    if (e.file.starts_with("03-")) {
      recorded = e.json["request"];
    }
  }
  REQUIRE(recorded.is_object());
  const std::set<std::string> want = elementPaths(recorded["body"]);
  REQUIRE(want.count("ChangeResourceRecordSetsRequest/ChangeBatch/Comment") == 1);

  planb::testing::TempDir dir;
  Route53Config config;
  config.name = "corpus";
  for (const char* file : {"akid", "secret"}) {
    const std::string path = dir.path() + "/" + file;
    std::ofstream(path) << "AKIDEXAMPLE\n";
    ::chmod(path.c_str(), 0600);
  }
  config.settings.access_key_id_file = dir.path() + "/akid";
  config.settings.secret_access_key_file = dir.path() + "/secret";
  config.settings.hosted_zone_id = "Z0748009194T9V149ZJ4F";
  auto transport = std::make_shared<planb::testing::CannedTransport>();
  transport->reply(200,
                   "<ChangeResourceRecordSetsResponse><ChangeInfo><Id>/change/C1</Id>"
                   "<Status>PENDING</Status></ChangeInfo></ChangeResourceRecordSetsResponse>");
  planb::testing::RecordedCeiling ceiling;
  Route53Options options;
  options.ceiling = ceiling.make(kRoute53Ceiling);
  Route53Provider provider(config, transport, options);
  ReplaceRequest create;
  create.record = {"fullcr1stal.tk.", "docs.fullcr1stal.tk."};
  create.new_target = "docs.example.com.";
  REQUIRE(std::holds_alternative<Unit>(provider.replace(create)));

  const HttpRequest& sent = transport->requests.at(0);
  CHECK(sent.method == recorded["method"].get<std::string>());
  CHECK(sent.url == "https://route53.amazonaws.com" + recorded["path"].get<std::string>());
  const std::set<std::string> have = elementPaths(sent.body);
  for (const std::string& path : want) {
    CHECK_MESSAGE(have.count(path) == 1, "planb's ChangeBatch lacks " << path);
  }
}

TEST_CASE("planb's listings use only the query parameters Route 53 was sent") {
  std::set<std::string> recorded;
  for (const Exchange& e : corpus()) {
    const json& request = e.json["request"];
    if (request["path"].get<std::string>().ends_with("/rrset") && request["method"] == "GET") {
      const std::set<std::string> names = queryNames(request["query"]);
      recorded.insert(names.begin(), names.end());
    }
  }
  // The recorded listings used maxitems, name and type; identifier is the documented third
  // start position (API_ListResourceRecordSets), sent only when a page ends inside a name.
  recorded.insert("identifier");
  const std::set<std::string> planb_sends = {"maxitems", "name", "type", "identifier"};
  for (const std::string& name : planb_sends) {
    CHECK_MESSAGE(recorded.count(name) == 1, name << " was never sent by a recorded client");
  }
}

TEST_CASE("planb signs a session token as the SigV4 test suite's recorded request does") {
  json recorded;
  for (const Exchange& e : corpus()) {
    if (e.file.starts_with("12-")) {
      recorded = e.json;
    }
  }
  REQUIRE(recorded.is_object());
  const json& headers = recorded["request"]["headers"];
  SigV4Request request;
  request.method = recorded["request"]["method"];
  request.path = recorded["request"]["path"];
  request.headers = {{"Host", headers["Host"]}};
  SigV4Credentials credentials{"AKIDEXAMPLE", Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                               Secret(headers["X-Amz-Security-Token"].get<std::string>())};
  SigV4Signature signature =
      signV4(request, credentials, SigV4Scope{"us-east-1", "service"}, kSuiteTime);
  CHECK(signature.signed_headers == recorded["expect"]["signed_headers"].get<std::string>());
  CHECK(signature.signature == recorded["expect"]["signature"].get<std::string>());
  CHECK(signature.authorization == headers["Authorization"].get<std::string>());
}
