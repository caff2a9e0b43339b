// DnspodProvider's batches: one domain listing answers every read and every compare, and the
// writes go out in parallel lanes, each standing alone.

#include <doctest/doctest.h>

#include <mutex>

#include "dnspod_fixture.hpp"

using namespace planb::net;
using namespace planb::providers;
using namespace planb::testing::dnspod;

namespace {

Json dnspodBatchZone() {
  return Json::array({dnspodRecord(1, "a", "CNAME", "primary.example.net."),
                      dnspodRecord(2, "b", "CNAME", "primary.example.net."),
                      dnspodRecord(3, "c", "A", "192.0.2.1"),
                      dnspodRecord(4, "@", "NS", "f1g1ns1.dnspod.net.", 86400)});
}

}  // namespace

TEST_CASE("a batch read lists the domain once, without Subdomain, and answers every name") {
  DnspodFixture f;
  f.answer([](const std::string&, const Json&) { return dnspodList(dnspodBatchZone()); });
  DnspodProvider provider = f.make();
  auto results = provider.readBatch(
      "example.com.", {"a.example.com.", "b.example.com.", "c.example.com.", "d.example.com."});
  REQUIRE(results.size() == 4);
  CHECK(dnspodServed(results[0]).target == "primary.example.net.");
  CHECK(dnspodServed(results[1]).kind == ServedRecord::Kind::Cname);
  CHECK(dnspodServed(results[2]).kind == ServedRecord::Kind::Conflict);
  CHECK(dnspodServed(results[3]).kind == ServedRecord::Kind::Absent);
  REQUIRE(f.calls.size() == 1);
  CHECK_FALSE(f.calls[0].params.contains("Subdomain"));
}

TEST_CASE("a failed batch listing is the result of every name") {
  DnspodFixture f;
  f.answer([](const std::string&, const Json&) {
    return dnspodFailure("RequestLimitExceeded", "请求的次数超过了频率限制。");
  });
  DnspodProvider provider = f.make();
  auto results = provider.readBatch("example.com.", {"a.example.com.", "b.example.com."});
  CHECK(dnspodFailed(results[0]).kind == ErrorKind::RateLimited);
  CHECK(dnspodFailed(results[1]).kind == ErrorKind::RateLimited);
}

TEST_CASE("a batch write compares against one listing and writes each change on its own") {
  DnspodFixture f;
  std::mutex lock;
  f.answer([&lock](const std::string& action, const Json& p) {
    std::lock_guard guard(lock);
    if (action == "DescribeRecordList") {
      return dnspodList(dnspodBatchZone());
    }
    if (action == "DescribeDomainPurview") {
      return dnspodPurview(1);
    }
    if (p.at("SubDomain") == "b") {
      return dnspodFailure("InternalError", "内部错误。");
    }
    return dnspodOk({{"RecordId", 1}});
  });
  DnspodOptions options;
  options.batch_transports = {std::make_shared<planb::testing::ScriptedTransport>()};
  // The extra lane answers like the main one.
  auto lane =
      std::static_pointer_cast<planb::testing::ScriptedTransport>(options.batch_transports[0]);
  lane->answer([&f](const HttpRequest& request) { return f.transport->send(request); });
  DnspodProvider provider = f.make(options);
  auto results = provider.replaceBatch(
      {dnspodSwap("backup.example.net.", "primary.example.net.", 60, "a.example.com."),
       dnspodSwap("backup.example.net.", "primary.example.net.", 60, "b.example.com."),
       dnspodSwap("backup.example.net.", "primary.example.net.", 60, "c.example.com."),
       dnspodSwap("backup.example.net.", std::nullopt, 60, "d.example.com.")});
  REQUIRE(results.size() == 4);
  CHECK(dnspodValue(results[0]).raised_ttl == 0);
  CHECK(dnspodFailed(results[1]).kind == ErrorKind::Transient);
  CHECK(dnspodFailed(results[2]).kind == ErrorKind::Conflict);
  dnspodValue(results[3]);
  CHECK(f.callsOf("DescribeRecordList").size() == 1);
  CHECK(f.callsOf("DescribeDomainPurview").size() == 1);
  CHECK(f.callsOf("ModifyRecord").size() == 2);
  CHECK(f.callsOf("CreateRecord").size() == 1);
}
