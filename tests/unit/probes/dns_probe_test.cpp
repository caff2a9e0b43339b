// dns probes against a scripted DNS server on 127.0.0.1 (UDP and TCP on one port): the paths a
// real server rarely takes on demand — noise before the reply, truncation, malformed replies.
// The probe against a real BIND 9 is tests/integration/dns_probe_it.cpp.

#include "probes/dns_probe.hpp"

#include <doctest/doctest.h>

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <cstdint>
#include <functional>

#include "test_support.hpp"

namespace planb::probes::test {
namespace {

using core::ProbeFailure;
using udp = asio::ip::udp;
using Bytes = std::vector<std::uint8_t>;

// A reply to QUERY: its ID and question, QR (and TC when truncated), RCODE, the A records given.
Bytes reply(const Bytes& query, std::uint8_t rcode, const std::vector<std::array<int, 4>>& answers,
            bool truncated = false) {
  std::size_t end = 12;
  while (end < query.size() && query[end] != 0) {
    end += query[end] + 1;  // labels
  }
  end += 1 + 4;  // root label, QTYPE, QCLASS
  Bytes out(query.begin(), query.begin() + static_cast<std::ptrdiff_t>(end));
  out[2] = static_cast<std::uint8_t>(0x80 | (truncated ? 0x02 : 0) | 0x01);  // QR, TC, RD
  out[3] = static_cast<std::uint8_t>(0x80 | rcode);                          // RA, RCODE
  out[6] = 0;
  out[7] = static_cast<std::uint8_t>(answers.size());
  out[8] = out[9] = out[10] = out[11] = 0;
  for (const auto& a : answers) {
    Bytes rr = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
    for (int octet : a) {
      rr.push_back(static_cast<std::uint8_t>(octet));
    }
    out.insert(out.end(), rr.begin(), rr.end());
  }
  return out;
}

// UDP and TCP on one port of 127.0.0.1: each query gets what `udpScript` / `tcpScript` return
// (several datagrams for UDP, in order; nothing means silence).
class ScriptedDnsServer {
 public:
  using UdpScript = std::function<std::vector<Bytes>(const Bytes& query)>;
  using TcpScript = std::function<Bytes(const Bytes& query)>;

  ScriptedDnsServer(asio::io_context& io, UdpScript udpScript, TcpScript tcpScript = {})
      : udp_(io), tcp_(io), udpScript_(std::move(udpScript)), tcpScript_(std::move(tcpScript)) {
    // A port free for both: the UDP port the kernel picks may be busy for TCP (another test's or
    // another program's connection), so try again with another.
    for (int tries = 0;; ++tries) {
      udp_ = udp::socket(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
      boost::system::error_code ec;
      tcp_ = tcp::acceptor(io);
      tcp_.open(tcp::v4(), ec);
      tcp_.set_option(tcp::acceptor::reuse_address(true), ec);
      tcp_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), udp_.local_endpoint().port()),
                ec);
      if (!ec) {
        tcp_.listen(asio::socket_base::max_listen_connections, ec);
      }
      if (!ec) {
        break;
      }
      REQUIRE(tries < 50);
    }
    receive();
    accept();
  }

  std::uint16_t port() const { return udp_.local_endpoint().port(); }
  int udpQueries() const { return udpQueries_; }
  int tcpQueries() const { return tcpQueries_; }

 private:
  void receive() {
    buffer_.resize(4096);
    udp_.async_receive_from(asio::buffer(buffer_), peer_,
                            [this](const boost::system::error_code& ec, std::size_t n) {
                              if (ec) {
                                return;
                              }
                              ++udpQueries_;
                              buffer_.resize(n);
                              for (const Bytes& datagram : udpScript_(buffer_)) {
                                udp_.send_to(asio::buffer(datagram), peer_);
                              }
                              receive();
                            });
  }

  struct Session {
    explicit Session(asio::io_context& io) : socket(io) {}
    tcp::socket socket;
    Bytes length = Bytes(2);
    Bytes query;
    Bytes answer;
  };

  void accept() {
    auto s =
        std::make_shared<Session>(static_cast<asio::io_context&>(tcp_.get_executor().context()));
    tcp_.async_accept(s->socket, [this, s](const boost::system::error_code& ec) {
      if (ec) {
        return;
      }
      asio::async_read(s->socket, asio::buffer(s->length),
                       [this, s](const boost::system::error_code& ec, std::size_t) {
                         if (ec) {
                           return;
                         }
                         s->query.resize((std::size_t{s->length[0]} << 8) | s->length[1]);
                         asio::async_read(
                             s->socket, asio::buffer(s->query),
                             [this, s](const boost::system::error_code& ec, std::size_t) {
                               if (ec) {
                                 return;
                               }
                               ++tcpQueries_;
                               Bytes body = tcpScript_(s->query);
                               s->answer = {static_cast<std::uint8_t>(body.size() >> 8),
                                            static_cast<std::uint8_t>(body.size())};
                               s->answer.insert(s->answer.end(), body.begin(), body.end());
                               asio::async_write(
                                   s->socket, asio::buffer(s->answer),
                                   [s](const boost::system::error_code&, std::size_t) {});
                             });
                       });
      accept();
    });
  }

  udp::socket udp_;
  tcp::acceptor tcp_;
  UdpScript udpScript_;
  TcpScript tcpScript_;
  Bytes buffer_;
  udp::endpoint peer_;
  int udpQueries_ = 0;
  int tcpQueries_ = 0;
};

DnsProbeOptions options(std::uint16_t port) {
  DnsProbeOptions o;
  o.server = asio::ip::make_address("127.0.0.1");
  o.port = port;
  o.queryName = "app.example.test";
  return o;
}

core::ProbeResult attempt(asio::io_context& io, DnsProbe& probe,
                          std::chrono::milliseconds timeout = 2000ms) {
  Results results;
  probe.start(timeout, results.callback());
  REQUIRE(runUntil(
      io, [&] { return results.any(); }, timeout + 3000ms));
  REQUIRE(results.all.size() == 1);
  return results.all[0];
}

TEST_CASE("dns probe ignores datagrams that are not the reply to its query") {
  asio::io_context io;
  ScriptedDnsServer server(io, [](const Bytes& query) {
    Bytes otherId = reply(query, 0, {{192, 0, 2, 66}});
    otherId[1] ^= 0xff;
    Bytes notAResponse = query;  // QR clear
    Bytes garbage = {1, 2, 3};
    return std::vector<Bytes>{otherId, notAResponse, garbage, reply(query, 0, {{192, 0, 2, 10}})};
  });
  auto o = options(server.port());
  o.expectAnswer = "192.0.2.10";
  DnsProbe probe(io, o);
  CHECK(probe.kind() == "dns");
  auto r = attempt(io, probe);
  CHECK_MESSAGE(r.ok(), r.detail);
}

TEST_CASE("dns probe asks again over TCP when the UDP reply is truncated, within one deadline") {
  asio::io_context io;
  ScriptedDnsServer server(
      io, [](const Bytes& query) { return std::vector<Bytes>{reply(query, 0, {}, true)}; },
      [](const Bytes& query) {
        return reply(query, 0, {{192, 0, 2, 1}, {192, 0, 2, 2}});
      });
  auto o = options(server.port());
  o.expectAnswer = R"(192\.0\.2\.2)";
  DnsProbe probe(io, o);
  auto r = attempt(io, probe);
  CHECK_MESSAGE(r.ok(), r.detail);
  CHECK(server.udpQueries() == 1);
  CHECK(server.tcpQueries() == 1);
}

TEST_CASE("dns probe fails with dns on a malformed reply over TCP") {
  asio::io_context io;
  ScriptedDnsServer server(
      io, [](const Bytes& query) { return std::vector<Bytes>{reply(query, 0, {}, true)}; },
      [](const Bytes&) {
        return Bytes{0, 1, 2};
      });
  DnsProbe probe(io, options(server.port()));
  auto r = attempt(io, probe);
  CHECK(r.failure == ProbeFailure::Dns);
  CHECK(r.detail.rfind("malformed reply from 127.0.0.1:" + std::to_string(server.port()), 0) == 0);
}

TEST_CASE("dns probe reports an empty answer when expect_answer finds nothing") {
  asio::io_context io;
  ScriptedDnsServer server(
      io, [](const Bytes& query) { return std::vector<Bytes>{reply(query, 0, {})}; });
  auto o = options(server.port());
  o.expectAnswer = "192.0.2.10";
  DnsProbe probe(io, o);
  auto r = attempt(io, probe);
  CHECK(r.failure == ProbeFailure::Dns);
  CHECK(r.detail == "no A answer for app.example.test. matches /192.0.2.10/: the answer is empty");
}

TEST_CASE("dns probe uses a new random ID for every attempt") {
  asio::io_context io;
  std::vector<int> ids;
  ScriptedDnsServer server(io, [&](const Bytes& query) {
    ids.push_back((query[0] << 8) | query[1]);
    return std::vector<Bytes>{reply(query, 0, {{192, 0, 2, 10}})};
  });
  DnsProbe probe(io, options(server.port()));
  for (int i = 0; i < 3; ++i) {
    CHECK(attempt(io, probe).ok());
  }
  REQUIRE(ids.size() == 3);
  CHECK_FALSE((ids[0] == ids[1] && ids[1] == ids[2]));
}

TEST_CASE("dns probe cancelled: reported once, as internal, never from inside cancel()") {
  asio::io_context io;
  ScriptedDnsServer server(io, [](const Bytes&) { return std::vector<Bytes>{}; });  // silent
  DnsProbe probe(io, options(server.port()));
  Results results;
  probe.start(5000ms, results.callback());
  runFor(io, 20ms);
  probe.cancel();
  CHECK_FALSE(results.any());
  REQUIRE(runUntil(io, [&] { return results.any(); }));
  CHECK(results.all[0].failure == ProbeFailure::Internal);
  CHECK(results.all[0].detail == "cancelled");
  runFor(io, 20ms);
  CHECK(results.all.size() == 1);
}

TEST_CASE("a dns probe refuses an unknown type or rcode, a bad pattern and port 0") {
  asio::io_context io;
  auto o = options(53);
  o.queryType = "NOPE";
  CHECK_THROWS_AS(DnsProbe(io, o), std::invalid_argument);
  o = options(53);
  o.expectRcode = "NOTAUTH";
  CHECK_THROWS_AS(DnsProbe(io, o), std::invalid_argument);
  o = options(53);
  o.expectAnswer = "(";
  CHECK_THROWS_AS(DnsProbe(io, o), std::invalid_argument);
  CHECK_THROWS_AS(DnsProbe(io, options(0)), std::invalid_argument);
}

}  // namespace
}  // namespace planb::probes::test
