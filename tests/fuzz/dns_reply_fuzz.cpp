// Fuzzes the handling of DNS replies (the input is one reply in wire format, as read from the
// server) by everything that interprets one:
//   - queryCname's reading of an authoritative answer (rfc2136 read(), the Verifier), and
//     queryTxt's and queryNameServers' (rfc2136 readTxt(), nameServers());
//   - the UPDATE reply: its TSIG Error field, its MAC check (as ldns_send runs it) and its
//     classification (Rfc2136Provider::replace, and writeTxt()/deleteTxt());
//   - the dns probe's judgement: is it the reply to our query, rcode and expect_answer.
// The reply's own ID (its first two bytes) is taken as the query's, so the probe's checks past
// the ID are reached.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

#include "probes/dns_probe.hpp"
#include "providers/dns_query.hpp"
#include "providers/dns_update.hpp"
#include "providers/ldns_util.hpp"
#include "providers/txt_update.hpp"

using namespace planb;

namespace {

probes::DnsProbe& probe(bool cname) {
  static boost::asio::io_context io;
  static probes::DnsProbe a(io, [] {
    probes::DnsProbeOptions o;
    o.server = boost::asio::ip::make_address("127.0.0.1");
    o.queryName = "www.example.test";
    o.queryType = "A";
    o.expectAnswer = R"(192\.0\.2\.\d+)";
    return o;
  }());
  static probes::DnsProbe c(io, [] {
    probes::DnsProbeOptions o;
    o.server = boost::asio::ip::make_address("::1");
    o.queryName = "www.example.test.";
    o.queryType = "CNAME";
    o.expectRcode = "NOERROR";
    o.expectAnswer = "app\\.aws\\.example\\.net";
    return o;
  }());
  return cname ? c : a;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)providers::readCnameReply(data, size, "www.example.test.", "127.0.0.1:53");
  (void)providers::readTxtReply(data, size, "_planb-rehearsal.example.test.", "127.0.0.1:53");
  (void)providers::readNameServersReply(data, size, "example.test.", "127.0.0.1:53");

  ldns_pkt* parsed = nullptr;
  if (ldns_wire2pkt(&parsed, data, size) == LDNS_STATUS_OK && parsed != nullptr) {
    providers::PktPtr reply(parsed);
    providers::CnameUpdate update;
    update.zone = "example.test.";
    update.name = "www.example.test.";
    update.new_target = "backup.example.net.";
    update.prerequisite = providers::Prerequisite::ExactValue;
    update.expected_target = "app.aws.example.net.";
    const int tsig_error = providers::tsigError(reply.get());
    const bool verified = ldns_pkt_tsig_verify(reply.get(), data, size, "planb-key.",
                                               "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0MTI=", nullptr);
    (void)providers::classifyUpdateReply(update, "127.0.0.1:53", "planb-key",
                                         static_cast<int>(ldns_pkt_get_rcode(reply.get())),
                                         tsig_error, verified);
    providers::TxtUpdate txt;
    txt.zone = "example.test.";
    txt.name = "_planb-rehearsal.example.test.";
    txt.value = "token";
    (void)providers::classifyTxtUpdateReply(txt, "127.0.0.1:53", "planb-key",
                                            static_cast<int>(ldns_pkt_get_rcode(reply.get())),
                                            tsig_error, verified);
  }

  const std::uint16_t id =
      size >= 2 ? static_cast<std::uint16_t>((data[0] << 8) | data[1]) : std::uint16_t{0};
  (void)probe(false).judgeReply(id, data, size);
  (void)probe(true).judgeReply(id, data, size);
  return 0;
}
