// The PowerDNS conformance corpus (tests/conformance/powerdns/*.json) against the provider: every
// recorded reply parses to what the real server meant ("expect"), and planb's request for the
// same operation (a CNAME swap, or the rehearsal's TXT write and read) carries the recorded path,
// query, body fields and headers. No network: the replies are fed through a canned transport.

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fakes/canned_transport.hpp"
#include "fakes/temp_dir.hpp"
#include "providers/powerdns_provider.hpp"
#include "providers/txt_zone_text.hpp"

using namespace planb::net;
using namespace planb::providers;
using nlohmann::json;
using planb::testing::CannedTransport;
using planb::testing::TempDir;

namespace {

namespace fs = std::filesystem;
const std::string kRecordedApi = "http://127.0.0.1:8081";

std::vector<fs::path> corpus() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(PLANB_POWERDNS_CORPUS_DIR)) {
    if (entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

json load(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

struct Harness {
  TempDir dir;
  std::string key_file = dir.path() + "/pdns.key";
  std::shared_ptr<CannedTransport> transport = std::make_shared<CannedTransport>();
  Harness() {
    int fd = ::open(key_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, "k3y\n", 4) == 4);
    ::close(fd);
  }
  PowerDnsProvider provider() const {
    return PowerDnsProvider("pdns", PowerDnsSettings{kRecordedApi, key_file, "localhost"},
                            transport);
  }
  // The corpus reply, COUNT times.
  void reply(const json& exchange, int count = 1) const {
    Headers headers;
    for (const auto& [name, value] : exchange["response"]["headers"].items()) {
      headers.emplace_back(name, value.get<std::string>());
    }
    for (int i = 0; i < count; ++i) {
      transport->replies.emplace_back(
          HttpResponse{exchange["response"]["status"].get<long>(), headers,
                       exchange["response"]["body"].get<std::string>()});
    }
  }
};

// The typed paths of a JSON value, list items merged (tests/conformance/shape.py's idea).
void paths(const json& value, const std::string& prefix, std::set<std::string>& out) {
  out.insert(prefix + ":" + std::string(value.type_name()));
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      paths(item, prefix.empty() ? key : prefix + "." + key, out);
    }
  } else if (value.is_array()) {
    for (const json& item : value) {
      paths(item, prefix + "[]", out);
    }
  }
}

std::set<std::string> shapeOf(const std::string& body) {
  std::set<std::string> out;
  if (!body.empty()) {
    paths(json::parse(body), "", out);
  }
  return out;
}

// The corpus names error kinds as net::ErrorKind spells them.
std::string kindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Auth:
      return "Auth";
    case ErrorKind::Refused:
      return "Refused";
    case ErrorKind::Conflict:
      return "Conflict";
    case ErrorKind::NotFound:
      return "NotFound";
    case ErrorKind::RateLimited:
      return "RateLimited";
    case ErrorKind::Transient:
      return "Transient";
    case ErrorKind::Permanent:
      return "Permanent";
  }
  return "?";
}

std::string pathOf(const std::string& url) {
  std::string rest = url.substr(kRecordedApi.size());
  return rest.substr(0, rest.find('?'));
}

std::string queryOf(const std::string& url) {
  auto q = url.find('?');
  return q == std::string::npos ? "" : url.substr(q + 1);
}

std::string withoutTrailingDot(std::string path) {
  if (!path.empty() && path.back() == '.') {
    path.pop_back();
  }
  return path;
}

// planb's request holds the recorded one's path (the zone id with or without its final dot, as
// PowerDNS takes both), query, body fields and headers (names; values of credentials differ).
void checkRequest(const json& recorded, const HttpRequest& sent) {
  CHECK(sent.method == recorded["method"]);
  CHECK(withoutTrailingDot(pathOf(sent.url)) == withoutTrailingDot(recorded["path"]));
  CHECK(queryOf(sent.url) == recorded["query"]);
  std::set<std::string> ours = shapeOf(sent.body);
  for (const std::string& path : shapeOf(recorded["body"])) {
    CHECK_MESSAGE(ours.count(path) == 1, "planb's body lacks " << path);
  }
  for (const auto& header : recorded["headers"].items()) {
    // Copies, not structured bindings: clang 14 cannot capture those in a lambda.
    const std::string name = header.key();
    const json& value = header.value();
    bool found = std::any_of(sent.headers.begin(), sent.headers.end(),
                             [&](const auto& h) { return h.first == name; });
    CHECK_MESSAGE(found, "planb's request lacks the header " << name);
    if (found && name != "X-API-Key") {
      for (const auto& h : sent.headers) {
        if (h.first == name) {
          CHECK(h.second == value.get<std::string>());
        }
      }
    }
  }
}

// The first rrset of a recorded PATCH body, as the swap planb would make.
ReplaceRequest swapOf(const json& exchange, std::string zone) {
  json rrset = json::parse(exchange["request"]["body"].get<std::string>())["rrsets"][0];
  ReplaceRequest request;
  request.record = {std::move(zone), rrset["name"]};
  request.new_target = rrset["records"][0]["content"];
  request.ttl = rrset["ttl"];
  request.expected_target = "old.example.net.";
  return request;
}

// Whether a recorded PATCH writes a TXT rrset (the rehearsal's writeTxt) rather than a CNAME.
bool writesTxt(const json& exchange) {
  return json::parse(exchange["request"]["body"].get<std::string>())["rrsets"][0]["type"] == "TXT";
}

// The first rrset of a recorded TXT PATCH, as the rehearsal's write planb would make.
TxtWrite txtWriteOf(const json& exchange, std::string zone) {
  json rrset = json::parse(exchange["request"]["body"].get<std::string>())["rrsets"][0];
  TxtWrite write;
  write.record = {std::move(zone), rrset["name"]};
  write.value = unquoteTxt(rrset["records"][0]["content"].get<std::string>()).value_or("");
  write.ttl = rrset["ttl"];
  return write;
}

std::string zoneOfPath(const std::string& path) {
  std::string zone = path.substr(path.rfind('/') + 1);
  return zone.back() == '.' ? zone : zone + ".";
}

// A zone GET reply in which NAME is a CNAME to old.example.net., for the read before a PATCH.
std::string servedOld(const std::string& zone, const std::string& name) {
  json reply = {{"name", zone},
                {"rrsets",
                 {{{"name", name},
                   {"type", "CNAME"},
                   {"ttl", 60},
                   {"comments", json::array()},
                   {"records", {{{"content", "old.example.net."}, {"disabled", false}}}}}}}};
  return reply.dump();
}

}  // namespace

TEST_CASE("every PowerDNS corpus reply parses to what the real server meant") {
  std::vector<fs::path> files = corpus();
  REQUIRE(files.size() >= 10);
  for (const fs::path& file : files) {
    CAPTURE(file.filename().string());
    json exchange = load(file);
    const json& expect = exchange["expect"];
    const std::string method = exchange["request"]["method"];
    if (expect.contains("txt")) {
      for (const auto& txt_item : expect["txt"].items()) {
        const std::string name = txt_item.key();  // a copy: CAPTURE is a lambda (clang 14)
        const std::vector<std::string> meant = txt_item.value();
        CAPTURE(name);
        Harness h;
        h.reply(exchange);
        Result<std::vector<std::string>> read = h.provider().readTxt({expect["zone"], name});
        REQUIRE(std::holds_alternative<std::vector<std::string>>(read));
        CHECK(std::get<std::vector<std::string>>(read) == meant);
      }
    }
    if (expect.contains("reads")) {
      for (const auto& read_item : expect["reads"].items()) {
        const std::string name = read_item.key();  // a copy: CAPTURE is a lambda (clang 14)
        const json& meant = read_item.value();
        CAPTURE(name);
        Harness h;
        h.reply(exchange, 2);  // read() may ask twice (the CNAME, then every type)
        Result<ServedRecord> read = h.provider().read({expect["zone"], name});
        REQUIRE(std::holds_alternative<ServedRecord>(read));
        const ServedRecord& served = std::get<ServedRecord>(read);
        if (meant["kind"] == "cname") {
          CHECK(served.kind == ServedRecord::Kind::Cname);
          CHECK(served.target == meant["target"]);
          CHECK(served.ttl == meant["ttl"]);
        } else if (meant["kind"] == "conflict") {
          CHECK(served.kind == ServedRecord::Kind::Conflict);
          CHECK(served.conflict_type == meant["type"]);
        } else {
          CHECK(meant["kind"] == "absent");
          CHECK(served.kind == ServedRecord::Kind::Absent);
        }
      }
      continue;
    }
    Harness h;
    PowerDnsProvider provider = h.provider();
    std::optional<ProviderError> error;
    if (method == "GET") {
      h.reply(exchange);
      Result<ServedRecord> read = provider.read({expect["zone"], expect["name"]});
      if (auto* e = std::get_if<ProviderError>(&read)) {
        error = *e;
      }
    } else if (writesTxt(exchange)) {
      h.reply(exchange);
      Result<Written> written =
          provider.writeTxt(txtWriteOf(exchange, zoneOfPath(exchange["request"]["path"])));
      if (auto* e = std::get_if<ProviderError>(&written)) {
        error = *e;
      }
    } else {
      ReplaceRequest swap = swapOf(exchange, zoneOfPath(exchange["request"]["path"]));
      h.transport->reply(200, servedOld(swap.record.zone, swap.record.name));
      h.reply(exchange);
      Result<Unit> written = provider.replace(swap);
      if (auto* e = std::get_if<ProviderError>(&written)) {
        error = *e;
      }
    }
    if (expect.value("written", false)) {
      CHECK_MESSAGE(!error, (error ? error->message : ""));
      continue;
    }
    REQUIRE(error);
    CHECK(kindName(error->kind) == expect["error_kind"]);
    if (expect.contains("message_has")) {
      CHECK(error->message.find(expect["message_has"].get<std::string>()) != std::string::npos);
    }
    CHECK(error->message.find("k3y") == std::string::npos);
  }
}

TEST_CASE("planb's PowerDNS requests carry the recorded path, query, body fields and headers") {
  for (const fs::path& file : corpus()) {
    CAPTURE(file.filename().string());
    json exchange = load(file);
    const json& recorded = exchange["request"];
    Harness h;
    PowerDnsProvider provider = h.provider();
    const std::string query = recorded["query"];
    const std::string zone = zoneOfPath(recorded["path"]);
    if (recorded["method"] == "PATCH" && writesTxt(exchange)) {
      h.transport->reply(204);
      CHECK(std::holds_alternative<Written>(provider.writeTxt(txtWriteOf(exchange, zone))));
      REQUIRE(h.transport->requests.size() == 1);
      checkRequest(recorded, h.transport->requests[0]);
    } else if (recorded["method"] == "PATCH") {
      ReplaceRequest swap = swapOf(exchange, zone);
      h.transport->reply(200, servedOld(zone, swap.record.name)).reply(204);
      CHECK(std::holds_alternative<Unit>(provider.replace(swap)));
      REQUIRE(h.transport->requests.size() == 2);
      checkRequest(recorded, h.transport->requests[1]);
    } else if (query.empty()) {
      // The whole zone: planb's readBatch of several names.
      h.reply(exchange);
      provider.readBatch(zone, {"a." + zone, "b." + zone});
      REQUIRE(h.transport->requests.size() == 1);
      checkRequest(recorded, h.transport->requests[0]);
    } else {
      // rrset_name=<name>[&rrset_type=CNAME]: planb's read of that name, first or second GET.
      const std::string name = query.substr(11, query.find('&') - 11);
      h.transport->reply(200, R"({"rrsets":[]})").reply(200, R"({"rrsets":[]})");
      provider.read({zone, name});
      const std::size_t which = query.find("rrset_type") == std::string::npos ? 1 : 0;
      REQUIRE(h.transport->requests.size() > which);
      checkRequest(recorded, h.transport->requests[which]);
    }
  }
}
