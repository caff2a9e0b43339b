// The rehearsal's TXT record over RFC 2136: the UPDATEs built for writeTxt and deleteTxt, their
// replies classified, and the TXT and NS answers read from wire replies. No network.

#include "providers/txt_update.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "providers/dns_query.hpp"
#include "providers/ldns_util.hpp"

using namespace planb::providers;

namespace {

std::string rdfText(const ldns_rdf* rdf) {
  char* raw = ldns_rdf2str(rdf);
  std::string out = raw != nullptr ? raw : "";
  std::free(raw);
  return out;
}

TxtWrite rehearsalWrite(std::string value) {
  TxtWrite write;
  write.record = {"Example.Test", "_PLANB-rehearsal.example.test"};
  write.value = std::move(value);
  write.ttl = 30;
  return write;
}

PktPtr builtTxt(const TxtUpdate& update) {
  Result<PktPtr> built = buildTxtUpdate(update, 0x4242);
  if (const auto* error = std::get_if<ProviderError>(&built)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::move(std::get<PktPtr>(built));
}

const ldns_rr* rrIn(const ldns_rr_list* list, std::size_t i) {
  REQUIRE(list != nullptr);
  REQUIRE(i < ldns_rr_list_rr_count(list));
  return ldns_rr_list_rr(list, i);
}

// An RR with no RDATA, of TYPE and CLASS, owned by the rehearsal name.
void checkBareRr(const ldns_rr* rr, ldns_rr_class rr_class, ldns_rr_type type) {
  CHECK(rdfText(ldns_rr_owner(rr)) == "_planb-rehearsal.example.test.");
  CHECK(ldns_rr_get_class(rr) == rr_class);
  CHECK(ldns_rr_get_type(rr) == type);
  CHECK(ldns_rr_ttl(rr) == 0);
  CHECK(ldns_rr_rd_count(rr) == 0);
}

// A reply as a server sends it (QR, AA unless told, RCODE) with ANSWERS (zone-file lines).
std::vector<std::uint8_t> replyWire(const std::vector<std::string>& answers,
                                    ldns_pkt_rcode rcode = LDNS_RCODE_NOERROR, bool aa = true) {
  PktPtr reply(ldns_pkt_new());
  ldns_pkt_set_id(reply.get(), 7);
  ldns_pkt_set_qr(reply.get(), true);
  ldns_pkt_set_aa(reply.get(), aa);
  ldns_pkt_set_rcode(reply.get(), static_cast<std::uint8_t>(rcode));
  for (const std::string& line : answers) {
    ldns_rr* rr = nullptr;
    REQUIRE(ldns_rr_new_frm_str(&rr, line.c_str(), 60, nullptr, nullptr) == LDNS_STATUS_OK);
    ldns_pkt_push_rr(reply.get(), LDNS_SECTION_ANSWER, rr);
  }
  std::vector<std::uint8_t> wire = toWire(reply.get());
  REQUIRE_FALSE(wire.empty());
  return wire;
}

template <typename T>
T valueOf(const Result<T>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    FAIL("unexpected error: " << error->message);
  }
  return std::get<T>(result);
}

}  // namespace

TEST_CASE("the rehearsal's TXT write is ONE UPDATE: no CNAME there, TXT RRset deleted, one added") {
  PktPtr message = builtTxt(txtUpdateFor(rehearsalWrite("token-1")));
  CHECK(ldns_pkt_get_opcode(message.get()) == LDNS_PACKET_UPDATE);
  CHECK(ldns_pkt_id(message.get()) == 0x4242);
  CHECK_FALSE(ldns_pkt_rd(message.get()));
  const ldns_rr* zone = rrIn(ldns_pkt_question(message.get()), 0);
  CHECK(rdfText(ldns_rr_owner(zone)) == "example.test.");
  CHECK(ldns_rr_get_type(zone) == LDNS_RR_TYPE_SOA);

  const ldns_rr_list* prerequisites = ldns_pkt_answer(message.get());
  REQUIRE(ldns_rr_list_rr_count(prerequisites) == 1);
  checkBareRr(rrIn(prerequisites, 0), LDNS_RR_CLASS_NONE, LDNS_RR_TYPE_CNAME);

  const ldns_rr_list* updates = ldns_pkt_authority(message.get());
  REQUIRE(ldns_rr_list_rr_count(updates) == 2);
  checkBareRr(rrIn(updates, 0), LDNS_RR_CLASS_ANY, LDNS_RR_TYPE_TXT);
  const ldns_rr* added = rrIn(updates, 1);
  CHECK(ldns_rr_get_class(added) == LDNS_RR_CLASS_IN);
  CHECK(ldns_rr_get_type(added) == LDNS_RR_TYPE_TXT);
  CHECK(ldns_rr_ttl(added) == 30);
  REQUIRE(ldns_rr_rd_count(added) == 1);
  CHECK(rdfText(ldns_rr_rdf(added, 0)) == "\"token-1\"");
}

TEST_CASE("a TXT value is one character-string of its bytes: quotes and backslashes are data") {
  const std::string value = "a \"b\" \\c";
  PktPtr message = builtTxt(txtUpdateFor(rehearsalWrite(value)));
  const ldns_rdf* text = ldns_rr_rdf(rrIn(ldns_pkt_authority(message.get()), 1), 0);
  REQUIRE(ldns_rdf_size(text) == value.size() + 1);
  CHECK(ldns_rdf_data(text)[0] == value.size());
  CHECK(std::string(reinterpret_cast<const char*>(ldns_rdf_data(text)) + 1, value.size()) == value);
}

TEST_CASE("a TXT delete is the delete of the TXT RRset alone, with no prerequisite") {
  PktPtr message = builtTxt(txtDeleteFor({"example.test.", "_planb-rehearsal.example.test."}));
  CHECK(ldns_rr_list_rr_count(ldns_pkt_answer(message.get())) == 0);
  const ldns_rr_list* updates = ldns_pkt_authority(message.get());
  REQUIRE(ldns_rr_list_rr_count(updates) == 1);
  checkBareRr(rrIn(updates, 0), LDNS_RR_CLASS_ANY, LDNS_RR_TYPE_TXT);
}

TEST_CASE("a TXT value of 255 bytes is written and one of 256 is refused as Permanent") {
  CHECK(std::holds_alternative<PktPtr>(
      buildTxtUpdate(txtUpdateFor(rehearsalWrite(std::string(255, 'x'))), 1)));
  Result<PktPtr> built = buildTxtUpdate(txtUpdateFor(rehearsalWrite(std::string(256, 'x'))), 1);
  REQUIRE(std::holds_alternative<ProviderError>(built));
  CHECK(std::get<ProviderError>(built).kind == ErrorKind::Permanent);
  CHECK(std::get<ProviderError>(built).message ==
        "a TXT value of 256 bytes is longer than one character-string (at most 255)");
  CHECK_FALSE(txtValueError(std::string(255, 'x')).has_value());
}

TEST_CASE("TXT UPDATE replies: a CNAME at the name is a Conflict, a refused key Auth") {
  const TxtUpdate write = txtUpdateFor(rehearsalWrite("t"));
  const TxtUpdate erase = txtDeleteFor({write.zone, write.name});
  auto classify = [](const TxtUpdate& update, int rcode, int tsig_error = 0,
                     bool authenticated = true) {
    return classifyTxtUpdateReply(update, "127.0.0.1:5300", "k", rcode, tsig_error, authenticated);
  };
  CHECK_FALSE(classify(write, LDNS_RCODE_NOERROR).has_value());
  CHECK_FALSE(classify(erase, LDNS_RCODE_NOERROR).has_value());

  std::optional<ProviderError> cname = classify(write, LDNS_RCODE_YXRRSET);
  REQUIRE(cname.has_value());
  CHECK(cname->kind == ErrorKind::Conflict);
  CHECK(cname->message ==
        "_planb-rehearsal.example.test. holds a CNAME: no TXT is written beside it");

  std::optional<ProviderError> badsig = classify(write, LDNS_RCODE_NOTAUTH, 16, false);
  REQUIRE(badsig.has_value());
  CHECK(badsig->kind == ErrorKind::Auth);
  CHECK(badsig->message.find("rejected TSIG key \"k\": BADSIG") != std::string::npos);
  CHECK(classify(erase, LDNS_RCODE_NOTAUTH, 17, false)->kind == ErrorKind::Auth);
  CHECK(classify(erase, LDNS_RCODE_NOERROR, 0, false)->kind == ErrorKind::Auth);

  std::optional<ProviderError> refused = classify(erase, LDNS_RCODE_REFUSED);
  REQUIRE(refused.has_value());
  CHECK(refused->kind == ErrorKind::Refused);
  CHECK(refused->message ==
        "server 127.0.0.1:5300 refused the UPDATE of _planb-rehearsal.example.test. (REFUSED): "
        "TSIG key \"k\" may not change its TXT (update-policy)");
  CHECK(classify(erase, LDNS_RCODE_SERVFAIL)->kind == ErrorKind::Transient);
  CHECK(classify(erase, LDNS_RCODE_NOTZONE)->kind == ErrorKind::Permanent);
}

TEST_CASE("a TXT answer gives each record's text, character-strings joined, at that name only") {
  const std::string name = "_planb-rehearsal.example.test.";
  std::vector<std::uint8_t> wire =
      replyWire({name + " 60 IN TXT \"token\"", name + " 60 IN TXT \"two \" \"parts\"",
                 "other.example.test. 60 IN TXT \"not ours\"",
                 name + " 60 IN RRSIG TXT 13 3 60 20260101000000 20250101000000 1 "
                        "example.test. AAAA"});
  std::vector<std::string> values =
      valueOf(readTxtReply(wire.data(), wire.size(), "_PLANB-Rehearsal.example.test", "s"));
  CHECK(values == std::vector<std::string>{"token", "two parts"});

  SUBCASE("NXDOMAIN and NODATA are no values") {
    std::vector<std::uint8_t> nx = replyWire({}, LDNS_RCODE_NXDOMAIN);
    CHECK(valueOf(readTxtReply(nx.data(), nx.size(), name, "s")).empty());
    std::vector<std::uint8_t> a = replyWire({name + " 60 IN A 192.0.2.1"});
    CHECK(valueOf(readTxtReply(a.data(), a.size(), name, "s")).empty());
  }
  SUBCASE("a refusal and an answer that is not authoritative are errors") {
    std::vector<std::uint8_t> refused = replyWire({}, LDNS_RCODE_REFUSED);
    Result<std::vector<std::string>> r = readTxtReply(refused.data(), refused.size(), name, "s");
    REQUIRE(std::holds_alternative<ProviderError>(r));
    CHECK(std::get<ProviderError>(r).kind == ErrorKind::Refused);
    CHECK(std::get<ProviderError>(r).message ==
          "s answered the TXT query for " + name + " with REFUSED");
    std::vector<std::uint8_t> cached =
        replyWire({name + " 60 IN TXT \"t\""}, LDNS_RCODE_NOERROR, /*aa=*/false);
    Result<std::vector<std::string>> c = readTxtReply(cached.data(), cached.size(), name, "s");
    REQUIRE(std::holds_alternative<ProviderError>(c));
    CHECK(std::get<ProviderError>(c).kind == ErrorKind::Permanent);
  }
  SUBCASE("a malformed reply is Permanent") {
    Result<std::vector<std::string>> m = readTxtReply(wire.data(), 5, name, "s");
    REQUIRE(std::holds_alternative<ProviderError>(m));
    CHECK(std::get<ProviderError>(m).kind == ErrorKind::Permanent);
  }
}

TEST_CASE("an NS answer gives the zone's name servers canonical, sorted, once each") {
  std::vector<std::uint8_t> wire = replyWire(
      {"example.test. 60 IN NS NS2.example.net.", "example.test. 60 IN NS ns1.example.test.",
       "example.test. 60 IN NS ns2.example.net.", "sub.example.test. 60 IN NS ns9.example.net."});
  CHECK(valueOf(readNameServersReply(wire.data(), wire.size(), "Example.Test", "s")) ==
        std::vector<std::string>{"ns1.example.test.", "ns2.example.net."});

  std::vector<std::uint8_t> nx = replyWire({}, LDNS_RCODE_NXDOMAIN);
  Result<std::vector<std::string>> none =
      readNameServersReply(nx.data(), nx.size(), "example.test.", "s");
  REQUIRE(std::holds_alternative<ProviderError>(none));
  CHECK(std::get<ProviderError>(none).kind == ErrorKind::Permanent);
  CHECK(std::get<ProviderError>(none).message ==
        "s answered the NS query for example.test. with NXDOMAIN: it holds no such zone");
}
