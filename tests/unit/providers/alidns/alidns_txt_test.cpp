// AlidnsProvider's rehearsal write path and name servers through a scripted transport: which
// actions go out with which parameters, and what each reply means.

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "fakes/manual_clock.hpp"
#include "fakes/scripted_transport.hpp"
#include "fakes/temp_dir.hpp"
#include "net/percent_encoding.hpp"
#include "providers/alidns_provider.hpp"

using namespace planb::net;
using namespace planb::providers;
using planb::testing::ManualClock;
using planb::testing::reply;
using planb::testing::ScriptedTransport;
using planb::testing::TempDir;
using Json = nlohmann::json;

namespace {

const std::string kAliTxtKeyId = "LTAI5tTXTKEYID";
const std::string kAliTxtSecret = "txt-s3cr3t-Alibaba";
const RecordRef kAliTxtName{"example.com.", "_planb-rehearsal.example.com."};

RpcParams aliTxtForm(const std::string& body) {
  RpcParams params;
  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t end = std::min(body.find('&', start), body.size());
    std::string pair = body.substr(start, end - start);
    std::size_t eq = pair.find('=');
    std::string key = pair.substr(0, eq);
    std::string value = pair.substr(eq + 1);
    auto unescape = [](const std::string& s) {
      std::string out;
      for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
          out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
          i += 2;
        } else {
          out += s[i];
        }
      }
      return out;
    };
    params[unescape(key)] = unescape(value);
    start = end + 1;
  }
  return params;
}

Json aliTxtRecord(const std::string& id, const std::string& value, int ttl = 600,
                  const std::string& status = "ENABLE", const std::string& line = "default") {
  return {{"RecordId", id},   {"RR", "_planb-rehearsal"},
          {"Type", "TXT"},    {"Value", value},
          {"TTL", ttl},       {"Line", line},
          {"Status", status}, {"DomainName", "example.com"}};
}

// Callers pass Json::array({...}): a bare `{record}` is an array under GCC but the record itself
// under clang (nlohmann's one-element initializer list), and the sanitizer build is clang.
std::string aliTxtListing(Json list) {
  int count = static_cast<int>(list.size());
  return Json{{"RequestId", "536E9CAD-DB30-4647-AC87-AA5CC38C5382"},
              {"TotalCount", count},
              {"PageNumber", 1},
              {"PageSize", 100},
              {"DomainRecords", {{"Record", std::move(list)}}}}
      .dump();
}

std::string aliTxtError(const std::string& code) {
  return Json{{"RequestId", "D1CB2D8B"}, {"Code", code}, {"Message", code + " message"}}.dump();
}

std::string aliTxtId(const std::string& id) {
  return Json{{"RequestId", "F4A9E7C0"}, {"RecordId", id}}.dump();
}

struct AliTxtFixture {
  TempDir dir;
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  planb::providers::AlidnsConfig config;
  int nonces = 0;
  std::vector<RpcParams> calls;

  AliTxtFixture() {
    config.name = "ali";
    config.settings.access_key_id_file = secret("id", kAliTxtKeyId);
    config.settings.access_key_secret_file = secret("secret", kAliTxtSecret);
    config.endpoint = "https://alidns.test/";
  }

  std::string secret(const std::string& file, const std::string& value) {
    std::string path = dir.path() + "/" + file;
    std::ofstream(path) << value << "\n";
    ::chmod(path.c_str(), 0600);
    return path;
  }

  AlidnsProvider make() {
    return AlidnsProvider(config, transport, std::make_shared<ManualClock>(),
                          [this] { return "nonce-" + std::to_string(++nonces); });
  }

  void answer(std::function<HttpResponse(const RpcParams&)> handler) {
    transport->answer([this, handler](const HttpRequest& request) {
      calls.push_back(aliTxtForm(request.body));
      return Result<HttpResponse>(handler(calls.back()));
    });
  }

  std::vector<std::string> actions() const {
    std::vector<std::string> out;
    for (const RpcParams& c : calls) {
      out.push_back(c.at("Action"));
    }
    return out;
  }
};

HttpResponse aliTxtInfo(std::optional<int> min_ttl = std::nullopt) {
  Json info = {{"RequestId", "60D5E6D7"},
               {"DomainName", "example.com"},
               {"DnsServers", {{"DnsServer", {"dns9.hichina.com", "DNS10.hichina.com"}}}}};
  if (min_ttl) {
    info["MinTtl"] = *min_ttl;
  }
  return reply(200, info.dump());
}

template <typename T>
T aliTxtValue(Result<T> result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<T>(std::move(result));
}

TxtWrite aliTxtWriteOf(std::string value, std::uint32_t ttl = 60) {
  TxtWrite w;
  w.record = kAliTxtName;
  w.value = std::move(value);
  w.ttl = ttl;
  return w;
}

}  // namespace

TEST_CASE("readTxt asks DescribeSubDomainRecords for TXT and answers the enabled values") {
  AliTxtFixture f;
  f.answer([](const RpcParams&) {
    return reply(200, aliTxtListing(Json::array({aliTxtRecord("1", "token-1"),
                                                 aliTxtRecord("2", "off", 600, "DISABLE")})));
  });
  CHECK(aliTxtValue(f.make().readTxt(kAliTxtName)) == std::vector<std::string>{"token-1"});
  REQUIRE(f.calls.size() == 1);
  CHECK(f.calls[0].at("Action") == "DescribeSubDomainRecords");
  CHECK(f.calls[0].at("SubDomain") == "_planb-rehearsal.example.com");
  CHECK(f.calls[0].at("DomainName") == "example.com");
  CHECK(f.calls[0].at("Type") == "TXT");
}

TEST_CASE("writeTxt adds a TXT with the zone's minimum TTL and reports the raise") {
  AliTxtFixture f;
  f.answer([](const RpcParams& p) {
    if (p.at("Action") == "DescribeSubDomainRecords") {
      return reply(200, aliTxtListing(Json::array()));
    }
    if (p.at("Action") == "DescribeDomainInfo") {
      return aliTxtInfo(600);
    }
    return reply(200, aliTxtId("77"));
  });
  Written written = aliTxtValue(f.make().writeTxt(aliTxtWriteOf("token-1", 60)));
  CHECK(written.raised_ttl == 600);
  CHECK(f.actions() == std::vector<std::string>{"DescribeSubDomainRecords", "DescribeDomainInfo",
                                                "AddDomainRecord"});
  const RpcParams& add = f.calls.back();
  CHECK(add.at("DomainName") == "example.com");
  CHECK(add.at("RR") == "_planb-rehearsal");
  CHECK(add.at("Type") == "TXT");
  CHECK(add.at("Value") == "token-1");
  CHECK(add.at("TTL") == "600");
}

TEST_CASE("writeTxt updates the first enabled TXT and deletes the disabled and the extra ones") {
  AliTxtFixture f;
  f.answer([](const RpcParams& p) {
    const std::string& action = p.at("Action");
    if (action == "DescribeSubDomainRecords") {
      return reply(
          200, aliTxtListing(Json::array({aliTxtRecord("1", "old", 600, "DISABLE"),
                                          aliTxtRecord("2", "older"), aliTxtRecord("3", "oldest"),
                                          aliTxtRecord("4", "isp", 600, "ENABLE", "telecom")})));
    }
    if (action == "DescribeDomainInfo") {
      return aliTxtInfo(1);
    }
    return reply(200, aliTxtId(p.count("RecordId") ? p.at("RecordId") : "9"));
  });
  aliTxtValue(f.make().writeTxt(aliTxtWriteOf("new")));
  CHECK(f.actions() == std::vector<std::string>{"DescribeSubDomainRecords", "DeleteDomainRecord",
                                                "DeleteDomainRecord", "DescribeDomainInfo",
                                                "UpdateDomainRecord", "DeleteDomainRecord"});
  CHECK(f.calls[1].at("RecordId") == "1");
  CHECK(f.calls[2].at("RecordId") == "4");
  const RpcParams& update = f.calls[4];
  CHECK(update.at("RecordId") == "2");
  CHECK(update.at("Type") == "TXT");
  CHECK(update.at("Value") == "new");
  CHECK(update.at("Line") == "default");
  CHECK(f.calls[5].at("RecordId") == "3");
}

TEST_CASE("writeTxt keeps the TXT already holding the value") {
  AliTxtFixture f;
  f.answer([](const RpcParams& p) {
    if (p.at("Action") == "DescribeSubDomainRecords") {
      return reply(200, aliTxtListing(Json::array({aliTxtRecord("2", "tok", 600)})));
    }
    return aliTxtInfo(1);
  });
  Written written = aliTxtValue(f.make().writeTxt(aliTxtWriteOf("tok")));
  CHECK(written.raised_ttl == 0);
  CHECK(f.actions() == std::vector<std::string>{"DescribeSubDomainRecords"});  // nothing written
}

TEST_CASE("a TXT write refused as a duplicate is a success only once the value is there") {
  AliTxtFixture f;
  bool there = false;
  int listings = 0;
  f.answer([&](const RpcParams& p) {
    const std::string& action = p.at("Action");
    if (action == "DescribeSubDomainRecords") {
      // The first read finds nothing; the one after the refusal finds the value when `there`.
      bool shows = ++listings > 1 && there;
      return reply(200,
                   aliTxtListing(shows ? Json::array({aliTxtRecord("5", "tok")}) : Json::array()));
    }
    if (action == "DescribeDomainInfo") {
      return aliTxtInfo(1);
    }
    return reply(400, aliTxtError("DomainRecordDuplicate"));
  });
  SUBCASE("there") {
    there = true;
    aliTxtValue(f.make().writeTxt(aliTxtWriteOf("tok")));
  }
  SUBCASE("not there") {
    Result<Written> written = f.make().writeTxt(aliTxtWriteOf("tok"));
    REQUIRE(std::holds_alternative<ProviderError>(written));
    CHECK(std::get<ProviderError>(written).kind == ErrorKind::Conflict);
  }
  CHECK(listings == 2);
}

TEST_CASE("deleteTxt deletes every TXT at the name, and one already gone counts as deleted") {
  AliTxtFixture f;
  f.answer([](const RpcParams& p) {
    if (p.at("Action") == "DescribeSubDomainRecords") {
      return reply(200,
                   aliTxtListing(Json::array({aliTxtRecord("1", "a"), aliTxtRecord("2", "b")})));
    }
    if (p.at("RecordId") == "1") {
      return reply(400, aliTxtError("DomainRecordNotBelongToUser"));
    }
    return reply(200, aliTxtId("2"));
  });
  aliTxtValue(f.make().deleteTxt(kAliTxtName));
  CHECK(f.actions() == std::vector<std::string>{"DescribeSubDomainRecords", "DeleteDomainRecord",
                                                "DeleteDomainRecord"});
}

TEST_CASE("a refused TXT delete fails the clean-up with the refusal's kind") {
  AliTxtFixture f;
  f.answer([](const RpcParams& p) {
    if (p.at("Action") == "DescribeSubDomainRecords") {
      return reply(200, aliTxtListing(Json::array({aliTxtRecord("1", "a")})));
    }
    return reply(400, aliTxtError("Forbidden.RAM"));
  });
  Result<Written> deleted = f.make().deleteTxt(kAliTxtName);
  REQUIRE(std::holds_alternative<ProviderError>(deleted));
  CHECK(std::get<ProviderError>(deleted).kind == ErrorKind::Auth);
  CHECK(std::get<ProviderError>(deleted).message.find(kAliTxtSecret) == std::string::npos);
}

TEST_CASE("nameServers reads DnsServers, canonical and sorted, and learns the minimum TTL") {
  AliTxtFixture f;
  f.answer([](const RpcParams& p) {
    if (p.at("Action") == "DescribeDomainInfo") {
      return aliTxtInfo(600);
    }
    if (p.at("Action") == "DescribeSubDomainRecords") {
      return reply(200, aliTxtListing(Json::array()));
    }
    return reply(200, aliTxtId("8"));
  });
  AlidnsProvider provider = f.make();
  CHECK(aliTxtValue(provider.nameServers("example.com.")) ==
        std::vector<std::string>{"dns10.hichina.com.", "dns9.hichina.com."});
  CHECK(f.calls[0].at("NeedDetailAttributes") == "true");
  Written written = aliTxtValue(provider.writeTxt(aliTxtWriteOf("tok", 60)));
  CHECK(written.raised_ttl == 600);
  CHECK(f.actions() == std::vector<std::string>{"DescribeDomainInfo", "DescribeSubDomainRecords",
                                                "AddDomainRecord"});
}

TEST_CASE("a refused DescribeDomainInfo is the name servers' error, not an empty list") {
  AliTxtFixture f;
  f.answer([](const RpcParams&) { return reply(400, aliTxtError("InvalidAccessKeyId.NotFound")); });
  Result<std::vector<std::string>> servers = f.make().nameServers("example.com.");
  REQUIRE(std::holds_alternative<ProviderError>(servers));
  CHECK(std::get<ProviderError>(servers).kind == ErrorKind::Auth);
}
