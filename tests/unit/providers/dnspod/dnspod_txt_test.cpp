// DnspodProvider's rehearsal TXT record: read, write (keep, rewrite, create, clean up) and delete.

#include <doctest/doctest.h>

#include "dnspod_fixture.hpp"

using namespace planb::net;
using namespace planb::providers;
using namespace planb::testing::dnspod;

namespace {

const RecordRef kDnspodRehearsal{"example.com.", "_planb-rehearsal.example.com."};

TxtWrite dnspodTxt(const std::string& value, std::uint32_t ttl = 60) {
  return TxtWrite{kDnspodRehearsal, value, ttl};
}

}  // namespace

TEST_CASE("readTxt lists the name's TXT records by Subdomain and RecordType, enabled ones only") {
  DnspodFixture f;
  f.answer([](const std::string&, const Json&) {
    return dnspodList(Json::array(
        {dnspodRecord(1, "_planb-rehearsal", "TXT", "one"),
         dnspodRecord(2, "_planb-rehearsal", "TXT", "off", 600, "默认", "0", "DISABLE")}));
  });
  DnspodProvider provider = f.make();
  CHECK(dnspodValue(provider.readTxt(kDnspodRehearsal)) == std::vector<std::string>{"one"});
  CHECK(f.calls.at(0).params.at("Subdomain") == "_planb-rehearsal");
  CHECK(f.calls.at(0).params.at("RecordType") == "TXT");
}

TEST_CASE("readTxt of a name without TXT records is empty, not an error") {
  DnspodFixture f;
  f.answer([](const std::string&, const Json&) { return dnspodNoRecords(); });
  DnspodProvider provider = f.make();
  CHECK(dnspodValue(provider.readTxt(kDnspodRehearsal)).empty());
}

TEST_CASE("writeTxt creates the TXT when absent, raising its TTL to the plan's minimum") {
  DnspodFixture f;
  f.answer([](const std::string& action, const Json&) {
    if (action == "DescribeRecordList") {
      return dnspodNoRecords();
    }
    if (action == "DescribeDomainPurview") {
      return dnspodPurview(600);
    }
    return dnspodOk({{"RecordId", 31}});
  });
  DnspodProvider provider = f.make();
  Written w = dnspodValue(provider.writeTxt(dnspodTxt("token-1")));
  CHECK(w.raised_ttl == 600);
  auto create = f.callsOf("CreateRecord");
  REQUIRE(create.size() == 1);
  CHECK(create[0].params == Json{{"Domain", "example.com"},
                                 {"SubDomain", "_planb-rehearsal"},
                                 {"RecordType", "TXT"},
                                 {"RecordLine", "默认"},
                                 {"RecordLineId", "0"},
                                 {"Value", "token-1"},
                                 {"TTL", 600}});
}

TEST_CASE("writeTxt rewrites the first TXT and deletes the others and every disabled one") {
  DnspodFixture f;
  f.answer([](const std::string& action, const Json&) {
    if (action == "DescribeRecordList") {
      return dnspodList(Json::array(
          {dnspodRecord(1, "_planb-rehearsal", "TXT", "old-1"),
           dnspodRecord(2, "_planb-rehearsal", "TXT", "old-2"),
           dnspodRecord(3, "_planb-rehearsal", "TXT", "x", 600, "默认", "0", "DISABLE")}));
    }
    if (action == "DescribeDomainPurview") {
      return dnspodPurview(1);
    }
    return dnspodOk({});
  });
  DnspodProvider provider = f.make();
  CHECK(dnspodValue(provider.writeTxt(dnspodTxt("token-2"))).raised_ttl == 0);
  auto modify = f.callsOf("ModifyRecord");
  REQUIRE(modify.size() == 1);
  CHECK(modify[0].params.at("RecordId") == 1);
  CHECK(modify[0].params.at("Value") == "token-2");
  auto deletes = f.callsOf("DeleteRecord");
  REQUIRE(deletes.size() == 2);
  CHECK(deletes[0].params == Json{{"Domain", "example.com"}, {"RecordId", 3}});
  CHECK(deletes[1].params.at("RecordId") == 2);
}

TEST_CASE("writeTxt keeps a TXT already holding the value and writes nothing") {
  DnspodFixture f;
  f.answer([](const std::string&, const Json&) {
    return dnspodList(Json::array({dnspodRecord(1, "_planb-rehearsal", "TXT", "token-3")}));
  });
  DnspodProvider provider = f.make();
  dnspodValue(provider.writeTxt(dnspodTxt("token-3")));
  CHECK(f.actions() == std::vector<std::string>{"DescribeRecordList"});
}

TEST_CASE("deleteTxt deletes every TXT at the name, one already gone counting as deleted") {
  DnspodFixture f;
  f.answer([](const std::string& action, const Json& p) {
    if (action == "DescribeRecordList") {
      return dnspodList(Json::array({dnspodRecord(1, "_planb-rehearsal", "TXT", "a"),
                                     dnspodRecord(2, "_planb-rehearsal", "TXT", "b")}));
    }
    if (p.at("RecordId") == 1) {
      return dnspodFailure("InvalidParameter.RecordIdInvalid", "记录编号错误。");
    }
    return dnspodOk({});
  });
  DnspodProvider provider = f.make();
  dnspodValue(provider.deleteTxt(kDnspodRehearsal));
  CHECK(f.callsOf("DeleteRecord").size() == 2);
}

TEST_CASE("a TXT value longer than one character-string is refused before any request") {
  DnspodFixture f;
  DnspodProvider provider = f.make();
  CHECK(dnspodFailed(provider.writeTxt(dnspodTxt(std::string(256, 'x')))).kind ==
        ErrorKind::Permanent);
  CHECK(f.transport->requests.empty());
}
