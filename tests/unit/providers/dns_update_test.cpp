#include "providers/dns_update.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "providers/ldns_util.hpp"
#include "providers/tsig_key.hpp"

using namespace planb::net;
using namespace planb::providers;

namespace {

std::vector<std::uint8_t> fromHex(const std::string& hex) {
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

// provider-apis.md §10.1: the key of TV-T1..T4, as a tsig-keygen file would hold it.
TsigKey vectorKey() {
  return parseTsigKeys(
             "key \"testkey.\" { algorithm hmac-sha256; secret "
             "\"NoTCJU+DMqFWywaPyxSijrDEA/eC3nK0xi3AMEZuPVk=\"; };",
             "vector.key")
      .front();
}

const std::string kWrongSecret = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

// TV-T1: a signed 127-byte UPDATE adding a.example.com. A 192.0.2.1.
const std::vector<std::uint8_t> kT1 = fromHex(
    "c60028000001000000010001076578616d706c6503636f6d00000600010161c00c0001000100000e100004c00002"
    "0107746573746b65790000fa00ff00000000003d0b686d61632d7368613235360000005f0f9043012c00208cf23e"
    "0081d915478a182edcea7ff48ad102948e6c7ef8e887536957d1fa5616c60000000000");

// TV-T4: ldns 1.8.3's CNAME swap with the "ANY CNAME exists" prerequisite, ID 0x1234, signed.
const std::vector<std::uint8_t> kT4 = fromHex(
    "123428000001000100020001076578616d706c6503636f6d000006000103777777c00c000500ff000000000000c0"
    "1d000500ff000000000000c01d000500010000003c0014066261636b7570076578616d706c65036e657400077465"
    "73746b65790000fa00ff00000000003d0b686d61632d7368613235360000006b08d6ad012c0020f87df29fbdc07c"
    "905e0124a8fe7cc7c6c70ae0dbfa8c110b1efe83a2d8ba5ae4123400000000");

CnameUpdate t4Update() {
  CnameUpdate update;
  update.zone = "example.com.";
  update.name = "www.example.com.";
  update.new_target = "backup.example.net.";
  update.ttl = 60;
  update.prerequisite = Prerequisite::Exists;
  return update;
}

PktPtr build(const CnameUpdate& update, std::uint16_t id) {
  Result<PktPtr> built = buildCnameUpdate(update, id);
  REQUIRE(std::holds_alternative<PktPtr>(built));
  return std::move(std::get<PktPtr>(built));
}

PktPtr parse(const std::vector<std::uint8_t>& wire) {
  ldns_pkt* raw = nullptr;
  REQUIRE(ldns_wire2pkt(&raw, wire.data(), wire.size()) == LDNS_STATUS_OK);
  return PktPtr(raw);
}

bool verifies(const std::vector<std::uint8_t>& wire, const std::string& key_name,
              const std::string& secret) {
  PktPtr pkt = parse(wire);
  return ldns_pkt_tsig_verify(pkt.get(), wire.data(), wire.size(), key_name.c_str(), secret.c_str(),
                              nullptr);
}

std::string text(const ldns_rdf* rdf) {
  char* raw = ldns_rdf2str(rdf);
  std::string out = raw != nullptr ? raw : "";
  std::free(raw);
  return out;
}

// The RRs of the prerequisite (answer) or update (authority) section.
const ldns_rr* rrAt(const ldns_rr_list* list, std::size_t i) {
  REQUIRE(list != nullptr);
  REQUIRE(i < ldns_rr_list_rr_count(list));
  return ldns_rr_list_rr(list, i);
}

void checkEmptyRr(const ldns_rr* rr, ldns_rr_class rr_class) {
  CHECK(text(ldns_rr_owner(rr)) == "www.example.com.");
  CHECK(ldns_rr_get_class(rr) == rr_class);
  CHECK(ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME);
  CHECK(ldns_rr_ttl(rr) == 0);
  CHECK(ldns_rr_rd_count(rr) == 0);
}

void checkCnameRr(const ldns_rr* rr, std::uint32_t ttl, const std::string& target) {
  CHECK(text(ldns_rr_owner(rr)) == "www.example.com.");
  CHECK(ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN);
  CHECK(ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME);
  CHECK(ldns_rr_ttl(rr) == ttl);
  REQUIRE(ldns_rr_rd_count(rr) == 1);
  CHECK(text(ldns_rr_rdf(rr, 0)) == target);
}

}  // namespace

TEST_CASE("the UPDATE matches TV-T4 byte for byte before its TSIG RR") {
  std::vector<std::uint8_t> wire = toWire(build(t4Update(), 0x1234).get());
  REQUIRE(wire.size() < kT4.size());
  std::vector<std::uint8_t> expected(kT4.begin(), kT4.begin() + static_cast<long>(wire.size()));
  expected[11] = 0;  // ARCOUNT without the TSIG RR
  CHECK(wire == expected);
  // What follows in the vector is exactly the TSIG RR, owned by "testkey.".
  CHECK(kT4[wire.size()] == 7);
  CHECK(std::string(kT4.begin() + static_cast<long>(wire.size()) + 1,
                    kT4.begin() + static_cast<long>(wire.size()) + 8) == "testkey");
}

TEST_CASE("the signed TV-T4 and TV-T1 verify with the parsed key and not with a wrong secret") {
  TsigKey key = vectorKey();
  for (const auto* vector : {&kT4, &kT1}) {
    CHECK(verifies(*vector, key.name, key.secret.reveal()));
    CHECK_FALSE(verifies(*vector, key.name, kWrongSecret));
  }
}

TEST_CASE("signing keeps the ID and RD=0 and appends a TSIG RR that verifies") {
  TsigKey key = vectorKey();
  PktPtr message = build(t4Update(), 0x1234);
  std::vector<std::uint8_t> unsigned_wire = toWire(message.get());
  REQUIRE(std::holds_alternative<Unit>(signUpdate(message.get(), key)));
  std::vector<std::uint8_t> wire = toWire(message.get());

  CHECK(verifies(wire, key.name, key.secret.reveal()));
  CHECK_FALSE(verifies(wire, key.name, kWrongSecret));
  // The message part is unchanged but for ARCOUNT, which now counts the TSIG RR.
  unsigned_wire[11] = 1;
  CHECK(std::vector<std::uint8_t>(
            wire.begin(), wire.begin() + static_cast<long>(unsigned_wire.size())) == unsigned_wire);

  PktPtr parsed = parse(wire);
  CHECK(ldns_pkt_id(parsed.get()) == 0x1234);
  CHECK_FALSE(ldns_pkt_rd(parsed.get()));
  CHECK(ldns_pkt_get_opcode(parsed.get()) == LDNS_PACKET_UPDATE);
  const ldns_rr* tsig = ldns_pkt_tsig(parsed.get());
  REQUIRE(tsig != nullptr);
  CHECK(text(ldns_rr_owner(tsig)) == "testkey.");
  CHECK(text(ldns_rr_rdf(tsig, 0)) == "hmac-sha256.");
  CHECK(ldns_rdf2native_int16(ldns_rr_rdf(tsig, 2)) == 300);
  CHECK(ldns_rdf2native_int16(ldns_rr_rdf(tsig, 4)) == 0x1234);  // Original ID
  const std::uint8_t* signed_at = ldns_rdf_data(ldns_rr_rdf(tsig, 1));
  std::int64_t seconds = 0;
  for (int i = 0; i < 6; ++i) {
    seconds = (seconds << 8) | signed_at[i];
  }
  CHECK(std::llabs(seconds - static_cast<std::int64_t>(std::time(nullptr))) <= 5);
}

TEST_CASE("an hmac-sha512 key signs messages ldns verifies") {
  TsigKey key = vectorKey();
  key.algorithm = TsigAlgorithm::HmacSha512;
  PktPtr message = build(t4Update(), 7);
  REQUIRE(std::holds_alternative<Unit>(signUpdate(message.get(), key)));
  std::vector<std::uint8_t> wire = toWire(message.get());
  CHECK(verifies(wire, key.name, key.secret.reveal()));
  CHECK(text(ldns_rr_rdf(ldns_pkt_tsig(parse(wire).get()), 0)) == "hmac-sha512.");
}

TEST_CASE("each prerequisite kind is written as RFC 2136 spells it, before delete and add") {
  CnameUpdate update = t4Update();
  SUBCASE("ExactValue compares with the expected target") {
    update.prerequisite = Prerequisite::ExactValue;
    update.expected_target = "primary.example.net.";
    PktPtr message = build(update, 1);
    REQUIRE(ldns_rr_list_rr_count(ldns_pkt_answer(message.get())) == 1);
    checkCnameRr(rrAt(ldns_pkt_answer(message.get()), 0), 0, "primary.example.net.");
  }
  SUBCASE("Exists is ANY CNAME without data") {
    PktPtr message = build(update, 1);
    checkEmptyRr(rrAt(ldns_pkt_answer(message.get()), 0), LDNS_RR_CLASS_ANY);
  }
  SUBCASE("NotExists is NONE CNAME without data") {
    update.prerequisite = Prerequisite::NotExists;
    PktPtr message = build(update, 1);
    checkEmptyRr(rrAt(ldns_pkt_answer(message.get()), 0), LDNS_RR_CLASS_NONE);
  }
  PktPtr message = build(update, 1);
  const ldns_rr_list* updates = ldns_pkt_authority(message.get());
  REQUIRE(ldns_rr_list_rr_count(updates) == 2);
  checkEmptyRr(rrAt(updates, 0), LDNS_RR_CLASS_ANY);
  checkCnameRr(rrAt(updates, 1), 60, "backup.example.net.");
  const ldns_rr* zone = rrAt(ldns_pkt_question(message.get()), 0);
  CHECK(text(ldns_rr_owner(zone)) == "example.com.");
  CHECK(ldns_rr_get_type(zone) == LDNS_RR_TYPE_SOA);
}

TEST_CASE("a replace request becomes a compare-and-swap on its expected target") {
  ReplaceRequest request;
  request.record = {"Example.TEST", "WWW.example.test"};
  request.new_target = "App.GCP.example.net";
  request.ttl = 30;
  CnameUpdate update = cnameUpdateFor(request);
  CHECK(update.zone == "example.test.");
  CHECK(update.name == "www.example.test.");
  CHECK(update.new_target == "app.gcp.example.net.");
  CHECK(update.ttl == 30);
  CHECK(update.prerequisite == Prerequisite::NotExists);
  request.expected_target = "App.AWS.example.net.";
  update = cnameUpdateFor(request);
  CHECK(update.prerequisite == Prerequisite::ExactValue);
  CHECK(update.expected_target == "app.aws.example.net.");
}

TEST_CASE("a name that is not absolute is refused before anything is built") {
  CnameUpdate update = t4Update();
  update.new_target = "backup.example.net";
  Result<PktPtr> built = buildCnameUpdate(update, 1);
  REQUIRE(std::holds_alternative<ProviderError>(built));
  CHECK(std::get<ProviderError>(built).kind == ErrorKind::Permanent);
  CHECK(std::get<ProviderError>(built).message ==
        "new target \"backup.example.net\" is not an absolute domain name");
}

TEST_CASE("UPDATE replies map to ErrorKinds with messages naming server, key and record") {
  CnameUpdate update;
  update.zone = "example.test.";
  update.name = "www.example.test.";
  update.new_target = "app.gcp.example.net.";
  update.prerequisite = Prerequisite::ExactValue;
  update.expected_target = "app.aws.example.net.";
  auto classify = [&](int rcode, int tsig_error = 0, bool authenticated = true) {
    return classifyUpdateReply(update, "127.0.0.1:5300", "k", rcode, tsig_error, authenticated);
  };

  CHECK_FALSE(classify(LDNS_RCODE_NOERROR).has_value());

  struct Case {
    int rcode;
    int tsig_error;
    bool authenticated;
    ErrorKind kind;
    std::string message_start;
  };
  const std::vector<Case> cases = {
      {LDNS_RCODE_NOTAUTH, 17, false, ErrorKind::Auth,
       "server 127.0.0.1:5300 rejected TSIG key \"k\": BADKEY"},
      {LDNS_RCODE_NOTAUTH, 16, false, ErrorKind::Auth,
       "server 127.0.0.1:5300 rejected TSIG key \"k\": BADSIG"},
      {LDNS_RCODE_NOTAUTH, 18, true, ErrorKind::Auth,
       "server 127.0.0.1:5300 rejected TSIG key \"k\": BADTIME"},
      {LDNS_RCODE_NOTAUTH, 0, true, ErrorKind::Auth,
       "server 127.0.0.1:5300 answered the UPDATE of www.example.test. with NOTAUTH"},
      {LDNS_RCODE_NOERROR, 0, false, ErrorKind::Auth,
       "the reply of 127.0.0.1:5300 to the UPDATE of www.example.test. is not authenticated"},
      {LDNS_RCODE_REFUSED, 0, true, ErrorKind::Refused,
       "server 127.0.0.1:5300 refused the UPDATE of www.example.test. (REFUSED)"},
      {LDNS_RCODE_NXRRSET, 0, true, ErrorKind::Conflict,
       "compare-and-swap lost: www.example.test. no longer points to app.aws.example.net."},
      {LDNS_RCODE_SERVFAIL, 0, true, ErrorKind::Transient,
       "server 127.0.0.1:5300 failed the UPDATE of www.example.test. (SERVFAIL)"},
      {LDNS_RCODE_FORMERR, 0, true, ErrorKind::Permanent,
       "server 127.0.0.1:5300 rejected the UPDATE of www.example.test. with FORMERR"},
      {LDNS_RCODE_NOTZONE, 0, true, ErrorKind::Permanent,
       "server 127.0.0.1:5300 answered the UPDATE of www.example.test. with NOTZONE"},
      {LDNS_RCODE_NOTIMPL, 0, true, ErrorKind::Permanent,
       "server 127.0.0.1:5300 does not implement UPDATE (NOTIMP)"},
      {LDNS_RCODE_YXDOMAIN, 0, true, ErrorKind::Permanent,
       "server 127.0.0.1:5300 rejected the UPDATE of www.example.test. with YXDOMAIN"},
      {12, 0, true, ErrorKind::Permanent,
       "server 127.0.0.1:5300 rejected the UPDATE of www.example.test. with RCODE 12"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.message_start);
    std::optional<ProviderError> error = classify(c.rcode, c.tsig_error, c.authenticated);
    REQUIRE(error.has_value());
    CHECK(error->kind == c.kind);
    CHECK(error->message.substr(0, c.message_start.size()) == c.message_start);
    CHECK(error->retriable() == (c.kind == ErrorKind::Transient));
  }

  update.prerequisite = Prerequisite::NotExists;
  CHECK(classify(LDNS_RCODE_YXRRSET)->message ==
        "compare-and-swap lost: www.example.test. already has a CNAME");
  CHECK(classify(LDNS_RCODE_YXRRSET)->kind == ErrorKind::Conflict);
}

TEST_CASE("servers must be IP addresses and RCODEs and TSIG errors have their names") {
  CHECK(isIpAddress("192.0.2.53"));
  CHECK(isIpAddress("::1"));
  CHECK_FALSE(isIpAddress("ns1.example.com"));
  CHECK(rcodeName(9) == "NOTAUTH");
  CHECK(tsigErrorName(17) == "BADKEY");
}
