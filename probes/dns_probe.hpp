#pragma once
// dns probe: one query to one DNS server, judged by the reply's rcode and, optionally, its answer.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "probes/probe.hpp"

namespace planb::probes {

struct DnsProbeOptions {
  boost::asio::ip::address server;  // an address: a probe never waits on a resolver
  std::uint16_t port = 53;
  std::string queryName;                    // absolute or not; the trailing dot is implied
  std::string queryType = "A";              // a type ldns knows: "A", "AAAA", "TXT", "MX", ...
  std::string expectRcode = "NOERROR";      // NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED
  std::optional<std::string> expectAnswer;  // RE2: must match in full the data of one answer
};

// Each attempt sends one query (RD set, EDNS0 with a 1232-byte UDP size, a random ID) over UDP
// from a fresh socket, and waits for the reply on the io_context; a truncated reply (TC) is asked
// again over TCP, within the same deadline. Datagrams that are not the reply to this query (other
// ID, not a response, another question) are ignored. The query is built once, with ldns, when the
// probe is; replies are parsed with ldns.
//
// The data of an answer record is its presentation form without owner, TTL, class and type, as
// `dig +short` prints it: "192.0.2.1", "app.example.net." (matched with and without the trailing
// dot), "10 mail.example.com.", "\"v=spf1 -all\"". Only answer records of the query's type count.
//
// Results:
//   success   the rcode is expectRcode and, with expectAnswer, one answer record's data matches
//   dns       another rcode ("rcode NXDOMAIN, expected NOERROR"), no answer matching ("no A answer
//             matches /192\.0\.2\.1/: got 192.0.2.9"), or a malformed reply
//   timeout   no reply before the deadline
//   refused   the server's host answered with ICMP port unreachable, or refused the TCP connection
//   internal  cancelled
class DnsProbe final : public Probe {
 public:
  // Throws std::invalid_argument for a bad query name, an unknown type or rcode, a bad
  // expectAnswer, port 0.
  DnsProbe(boost::asio::io_context& io, const DnsProbeOptions& options);
  ~DnsProbe() override;  // cancels the attempt in flight
  DnsProbe(const DnsProbe&) = delete;
  DnsProbe& operator=(const DnsProbe&) = delete;

  std::string_view kind() const noexcept override { return "dns"; }
  void start(std::chrono::milliseconds timeout, ResultCallback done) override;
  void cancel() override;

  // How an attempt judges a reply in wire form to its query with ID once it holds one (as over
  // TCP): nullopt when the probe passes, else the detail of its dns failure (malformed, not an
  // answer to the query, rcode or answer mismatch). No I/O: for tests and the fuzzer.
  std::optional<std::string> judgeReply(std::uint16_t id, const std::uint8_t* wire,
                                        std::size_t size) const;

  struct Spec;
  class Attempt;

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<const Spec> spec_;
  std::weak_ptr<Attempt> current_;
};

}  // namespace planb::probes
