#include "probes/tcp_probe.hpp"

#include <doctest/doctest.h>

#include "test_support.hpp"

namespace planb::probes::test {
namespace {

using core::ProbeFailure;

TcpProbe tcpProbe(asio::io_context& io, const std::string& host, std::uint16_t port) {
  return TcpProbe(io, Endpoint::make(host, port));
}

// A listener with a backlog of 1 that never accepts: once its queue is full, further SYNs are
// dropped and a connect hangs — a connect timeout without leaving loopback.
struct FullBacklog {
  explicit FullBacklog(asio::io_context& io)
      : acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0), false) {
    acceptor.listen(1);
  }
  // Opens connections until one stays pending; false if the kernel never stalls.
  bool fill(asio::io_context& io) {
    for (int i = 0; i < 16; ++i) {
      auto& s = fillers.emplace_back(io);
      bool connected = false;
      s.async_connect(acceptor.local_endpoint(),
                      [&connected](const boost::system::error_code& ec) { connected = !ec; });
      if (!runUntil(
              io, [&] { return connected; }, 100ms)) {
        return true;
      }
    }
    return false;
  }
  tcp::acceptor acceptor;
  std::vector<tcp::socket> fillers;
};

TEST_CASE("tcp probe succeeds when the port accepts connections") {
  asio::io_context io;
  LoopbackServer server(io, LoopbackServer::Mode::Silent);
  auto probe = tcpProbe(io, "127.0.0.1", server.port());
  Results results;
  probe.start(1000ms, results.callback());
  REQUIRE(runUntil(io, [&] { return results.any(); }));
  CHECK(results.all.size() == 1);
  CHECK(results.all[0].ok());
  CHECK(results.all[0].latency > std::chrono::microseconds{0});
  CHECK(probe.kind() == "tcp");
  REQUIRE(runUntil(io, [&] { return server.accepted() == 1; }));
}

TEST_CASE("tcp probe resolves a host name asynchronously") {
  asio::io_context io;
  LoopbackServer server(io, LoopbackServer::Mode::Silent);
  auto probe = tcpProbe(io, "localhost", server.port());
  Results results;
  probe.start(2000ms, results.callback());
  REQUIRE(runUntil(io, [&] { return results.any(); }));
  // localhost may resolve to ::1 first, where nothing listens: the next address is tried.
  CHECK_MESSAGE(results.all[0].ok(), results.all[0].detail);
}

TEST_CASE("tcp probe reports refused with the address when nothing listens") {
  asio::io_context io;
  auto port = closedPort(io);
  auto probe = tcpProbe(io, "127.0.0.1", port);
  Results results;
  probe.start(1000ms, results.callback());
  REQUIRE(runUntil(io, [&] { return results.any(); }));
  CHECK(results.all[0].failure == ProbeFailure::Refused);
  CHECK(results.all[0].detail ==
        "connect 127.0.0.1:" + std::to_string(port) + ": Connection refused");
}

// A name that does not resolve is not tested here: resolving it would ask the host's resolver,
// and tests send nothing beyond loopback.

TEST_CASE("tcp probe times out when the connect hangs") {
  asio::io_context io;
  FullBacklog backlog(io);
  if (!backlog.fill(io)) {
    MESSAGE("the kernel completed every connect; connect timeout covered by the HTTP tests");
    return;
  }
  auto probe = tcpProbe(io, "127.0.0.1", backlog.acceptor.local_endpoint().port());
  Results results;
  auto started = std::chrono::steady_clock::now();
  probe.start(200ms, results.callback());
  REQUIRE(runUntil(
      io, [&] { return results.any(); }, 2000ms));
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(results.all[0].failure == ProbeFailure::Timeout);
  CHECK(results.all[0].detail.rfind("timeout after 200ms connecting to 127.0.0.1:", 0) == 0);
  CHECK(took >= 200ms);
  CHECK(took < 1000ms);
  runFor(io, 50ms);
  CHECK(results.all.size() == 1);
}

TEST_CASE("tcp probe cancel reports internal once, later, on the io_context") {
  asio::io_context io;
  FullBacklog backlog(io);
  backlog.fill(io);
  auto probe = tcpProbe(io, "127.0.0.1", backlog.acceptor.local_endpoint().port());
  Results results;
  probe.start(1000ms, results.callback());
  probe.cancel();
  CHECK_FALSE(results.any());  // never from inside cancel()
  probe.cancel();
  REQUIRE(runUntil(io, [&] { return results.any(); }));
  runFor(io, 50ms);
  REQUIRE(results.all.size() == 1);
  CHECK(results.all[0].failure == ProbeFailure::Internal);
  CHECK(results.all[0].detail == "cancelled");
}

TEST_CASE("destroying a tcp probe mid-attempt still reports once") {
  asio::io_context io;
  Results results;
  {
    auto probe = tcpProbe(io, "no-such-host.invalid", 80);
    probe.start(1000ms, results.callback());
  }
  REQUIRE(runUntil(io, [&] { return results.any(); }));
  runFor(io, 50ms);
  REQUIRE(results.all.size() == 1);
  CHECK(results.all[0].failure == ProbeFailure::Internal);
}

}  // namespace
}  // namespace planb::probes::test
