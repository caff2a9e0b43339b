#include "probes/http_probe.hpp"

#include <doctest/doctest.h>

#include "test_support.hpp"

namespace planb::probes::test {
namespace {

using core::ProbeFailure;
using Mode = LoopbackServer::Mode;

HttpProbeOptions options(const std::string& url, std::optional<std::string> expectBody = {},
                         std::vector<int> expectStatus = {200}) {
  HttpProbeOptions o;
  o.url = planb::net::parseHttpUrl(url);
  o.expectBody = std::move(expectBody);
  o.expectStatus = std::move(expectStatus);
  return o;
}

// One attempt, run to its result; fails the test if it takes longer than `limit`.
core::ProbeResult attempt(asio::io_context& io, HttpProbe& probe,
                          std::chrono::milliseconds timeout = 1000ms,
                          std::chrono::milliseconds limit = 3000ms) {
  Results results;
  probe.start(timeout, results.callback());
  REQUIRE(runUntil(
      io, [&] { return results.any(); }, limit));
  REQUIRE(results.all.size() == 1);
  return results.all[0];
}

TEST_CASE("http probe succeeds on 200 with the expected body") {
  asio::io_context io;
  LoopbackServer server(io, Mode::Respond, LoopbackServer::http(200, "ok"));
  HttpProbe probe(io, options(server.url("/health?x=1"), "ok"));
  auto r = attempt(io, probe);
  CHECK_MESSAGE(r.ok(), r.detail);
  CHECK(r.latency > std::chrono::microseconds{0});
  CHECK(probe.kind() == "http");
}

TEST_CASE("http probe sends GET with Host, User-Agent and Connection: close") {
  asio::io_context io;
  LoopbackServer server(io, Mode::Respond, LoopbackServer::http(200, "ok"));
  HttpProbe probe(io, options(server.url("/health?x=1")));
  attempt(io, probe);
  CHECK(server.lastRequest() ==
        "GET /health?x=1 HTTP/1.1\r\n"
        "Host: 127.0.0.1:" +
            std::to_string(server.port()) +
            "\r\n"
            "User-Agent: planb-probe/" PLANB_VERSION
            "\r\n"
            "Accept: */*\r\n"
            "Connection: close\r\n\r\n");
}

TEST_CASE("http probe opens a fresh connection for every attempt") {
  asio::io_context io;
  LoopbackServer server(io, Mode::Respond, LoopbackServer::http(200, "ok"));
  HttpProbe probe(io, options(server.url()));
  CHECK(attempt(io, probe).ok());
  CHECK(attempt(io, probe).ok());
  REQUIRE(runUntil(io, [&] { return server.accepted() == 2; }));
}

TEST_CASE("http probe sends the host override and extra headers") {
  asio::io_context io;
  LoopbackServer server(io, Mode::Respond, LoopbackServer::http(200, "ok"));
  auto o = options(server.url());
  o.host = "app.example.com";
  o.method = "HEAD";
  o.headers = {{"X-Probe", "planb"}};
  HttpProbe probe(io, o);
  attempt(io, probe);
  CHECK(server.lastRequest().rfind("HEAD / HTTP/1.1\r\nHost: app.example.com\r\n", 0) == 0);
  CHECK(server.lastRequest().find("\r\nX-Probe: planb\r\n") != std::string::npos);
}

TEST_CASE("http probe reports status when the status is not expected") {
  asio::io_context io;
  SUBCASE("one expected status") {
    LoopbackServer server(io, Mode::Respond, LoopbackServer::http(503, "busy"));
    HttpProbe probe(io, options(server.url()));
    auto r = attempt(io, probe);
    CHECK(r.failure == ProbeFailure::Status);
    CHECK(r.detail == "status 503, expected 200");
  }
  SUBCASE("several expected statuses") {
    LoopbackServer server(io, Mode::Respond, LoopbackServer::http(500, ""));
    HttpProbe probe(io, options(server.url(), {}, {200, 204}));
    auto r = attempt(io, probe);
    CHECK(r.failure == ProbeFailure::Status);
    CHECK(r.detail == "status 500, expected one of 200, 204");
  }
  SUBCASE("a listed non-200 status is success") {
    LoopbackServer server(io, Mode::Respond, LoopbackServer::http(204, ""));
    HttpProbe probe(io, options(server.url(), {}, {200, 204}));
    CHECK(attempt(io, probe).ok());
  }
}

TEST_CASE("http probe reports body when the expected text is missing") {
  asio::io_context io;
  LoopbackServer server(io, Mode::Respond, LoopbackServer::http(200, "degraded"));
  HttpProbe probe(io, options(server.url(), "ok"));
  auto r = attempt(io, probe);
  CHECK(r.failure == ProbeFailure::Body);
  CHECK(r.detail == "body does not contain \"ok\" (8 bytes read)");
}

TEST_CASE("http probe reads chunked and close-delimited bodies") {
  asio::io_context io;
  SUBCASE("chunked") {
    LoopbackServer server(io, Mode::Respond,
                          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "3\r\nall\r\n4\r\n ok!\r\n0\r\n\r\n");
    HttpProbe probe(io, options(server.url(), "all ok"));
    auto r = attempt(io, probe);
    CHECK_MESSAGE(r.ok(), r.detail);
  }
  SUBCASE("until the server closes") {
    LoopbackServer server(io, Mode::Respond, "HTTP/1.1 200 OK\r\n\r\nstatus: ok");
    HttpProbe probe(io, options(server.url(), "status: ok"));
    auto r = attempt(io, probe);
    CHECK_MESSAGE(r.ok(), r.detail);
  }
}

TEST_CASE("http probe times out within its deadline when the server never answers") {
  asio::io_context io;
  LoopbackServer server(io, Mode::Silent);
  HttpProbe probe(io, options(server.url()));
  auto started = std::chrono::steady_clock::now();
  auto r = attempt(io, probe, 200ms, 2000ms);
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(r.failure == ProbeFailure::Timeout);
  CHECK(r.detail ==
        "timeout after 200ms reading response from 127.0.0.1:" + std::to_string(server.port()));
  CHECK(took >= 200ms);
  CHECK(took < 1000ms);
  CHECK(r.latency >= std::chrono::microseconds(200'000));
}

TEST_CASE("http probe deadline covers the whole exchange, not each step") {
  asio::io_context io;
  // Headers promptly, then a body that never completes: still one 200 ms deadline.
  LoopbackServer server(io, Mode::RespondAndHang,
                        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
  HttpProbe probe(io, options(server.url()));
  auto r = attempt(io, probe, 200ms, 2000ms);
  CHECK(r.failure == ProbeFailure::Timeout);
  CHECK(r.latency < std::chrono::microseconds(1'000'000));
}

TEST_CASE("http probe reports refused when nothing listens") {
  asio::io_context io;
  auto port = closedPort(io);
  HttpProbe probe(io, options("http://127.0.0.1:" + std::to_string(port) + "/"));
  auto r = attempt(io, probe);
  CHECK(r.failure == ProbeFailure::Refused);
  CHECK(r.detail == "connect 127.0.0.1:" + std::to_string(port) + ": Connection refused");
}

TEST_CASE("http probe reports refused when the connection closes early") {
  asio::io_context io;
  SUBCASE("before any response") {
    LoopbackServer server(io, Mode::CloseImmediately);
    HttpProbe probe(io, options(server.url()));
    auto r = attempt(io, probe);
    CHECK(r.failure == ProbeFailure::Refused);
  }
  SUBCASE("in the middle of the body") {
    LoopbackServer server(io, Mode::Respond,
                          "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
    HttpProbe probe(io, options(server.url()));
    auto r = attempt(io, probe);
    CHECK(r.failure == ProbeFailure::Refused);
    CHECK(r.detail.find("connection closed mid-response") != std::string::npos);
  }
}

TEST_CASE("http probe reports a malformed response as status") {
  asio::io_context io;
  LoopbackServer server(io, Mode::Respond, "SSH-2.0-OpenSSH_9.2\r\n\r\n");
  HttpProbe probe(io, options(server.url()));
  auto r = attempt(io, probe);
  CHECK(r.failure == ProbeFailure::Status);
  CHECK(r.detail.rfind("malformed HTTP response (read 127.0.0.1:", 0) == 0);
}

TEST_CASE("http probe reads at most 64 KiB of a large body and still succeeds") {
  asio::io_context io;
  std::string big = "ok" + std::string(1024 * 1024 - 2, 'x');
  SUBCASE("a whole 1 MiB body") {
    LoopbackServer server(io, Mode::Respond, LoopbackServer::http(200, big));
    HttpProbe probe(io, options(server.url(), "ok"));
    auto r = attempt(io, probe);
    CHECK_MESSAGE(r.ok(), r.detail);
  }
  SUBCASE("1 MiB declared, 70 KiB sent, then silence: reading stops at 64 KiB") {
    // Reading past 64 KiB would wait for the missing bytes and time out.
    std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n";
    std::string sent = big.substr(0, 70 * 1024);
    sent.replace(kMaxHttpBody - 4, 4, "LAST");    // the final bytes within the cap
    sent.replace(kMaxHttpBody + 100, 4, "PAST");  // beyond it
    LoopbackServer server(io, Mode::RespondAndHang, head + sent);
    SUBCASE("early substring") {
      HttpProbe probe(io, options(server.url(), "ok"));
      auto r = attempt(io, probe, 2000ms);
      CHECK_MESSAGE(r.ok(), r.detail);
    }
    SUBCASE("substring at the end of the cap") {
      HttpProbe probe(io, options(server.url(), "LAST"));
      auto r = attempt(io, probe, 2000ms);
      CHECK_MESSAGE(r.ok(), r.detail);
    }
    SUBCASE("substring past the cap") {
      HttpProbe probe(io, options(server.url(), "PAST"));
      auto r = attempt(io, probe, 2000ms);
      CHECK(r.failure == ProbeFailure::Body);
      CHECK(r.detail == "body does not contain \"PAST\" (65536 bytes read)");
    }
  }
}

TEST_CASE("http probe resolves a host name") {
  asio::io_context io;
  LoopbackServer server(io, Mode::Respond, LoopbackServer::http(200, "ok"));
  HttpProbe probe(io, options("http://localhost:" + std::to_string(server.port()) + "/"));
  auto r = attempt(io, probe);
  CHECK_MESSAGE(r.ok(), r.detail);
  CHECK(server.lastRequest().find("\r\nHost: localhost:") != std::string::npos);
}

TEST_CASE("http probe reports exactly one result when the deadline races the answer") {
  // The server answers after ~20 ms; deadlines from 0 to 39 ms land before, on and after it,
  // through every step of the exchange. Each attempt must report once and only once.
  asio::io_context io;
  LoopbackServer server(io, Mode::Respond, LoopbackServer::http(200, "ok"), 20ms);
  constexpr int kAttempts = 120;
  std::vector<std::unique_ptr<HttpProbe>> probes;
  std::vector<int> calls(kAttempts, 0);
  std::vector<ProbeFailure> outcome(kAttempts);
  for (int i = 0; i < kAttempts; ++i) {
    probes.push_back(std::make_unique<HttpProbe>(io, options(server.url(), "ok")));
    probes.back()->start(std::chrono::milliseconds(i % 40), [&, i](core::ProbeResult r) {
      ++calls[i];
      outcome[i] = r.failure;
    });
  }
  REQUIRE(runUntil(
      io, [&] { return std::all_of(calls.begin(), calls.end(), [](int c) { return c > 0; }); }));
  runFor(io, 100ms);  // any second report would arrive by now
  int timeouts = 0;
  for (int i = 0; i < kAttempts; ++i) {
    CHECK(calls[i] == 1);
    timeouts += outcome[i] == ProbeFailure::Timeout ? 1 : 0;
  }
  CHECK(timeouts > 0);
  MESSAGE(timeouts << " of " << kAttempts << " timed out");
}

TEST_CASE("http probe reports exactly one result when cancel races the steps") {
  asio::io_context io;
  LoopbackServer server(io, Mode::Respond, LoopbackServer::http(200, "ok"));
  // Cancel after k handlers have run: before connect, mid-exchange, after the result.
  for (int k = 0; k < 12; ++k) {
    CAPTURE(k);
    HttpProbe probe(io, options(server.url(), "ok"));
    Results results;
    probe.start(1000ms, results.callback());
    for (int i = 0; i < k && !results.any(); ++i) {
      io.run_one_for(1000ms);
    }
    bool before = results.any();
    probe.cancel();
    runFor(io, 30ms);
    REQUIRE(results.all.size() == 1);
    if (!before) {
      CHECK(results.all[0].failure == ProbeFailure::Internal);
    }
  }
}

TEST_CASE("destroying an http probe mid-attempt reports internal once") {
  asio::io_context io;
  LoopbackServer server(io, Mode::Silent);
  Results results;
  {
    HttpProbe probe(io, options(server.url()));
    probe.start(1000ms, results.callback());
    runFor(io, 20ms);
  }
  REQUIRE(runUntil(io, [&] { return results.any(); }));
  runFor(io, 20ms);
  REQUIRE(results.all.size() == 1);
  CHECK(results.all[0].failure == ProbeFailure::Internal);
}

TEST_CASE("http probe rejects what it cannot send") {
  asio::io_context io;
  SUBCASE("a method that is not a token") {
    auto o = options("http://example.com/");
    o.method = "GE T";
    CHECK_THROWS_AS(HttpProbe(io, o), std::invalid_argument);
  }
  SUBCASE("a header the probe owns") {
    auto o = options("http://example.com/");
    o.headers = {{"connection", "keep-alive"}};
    CHECK_THROWS_AS(HttpProbe(io, o), std::invalid_argument);
  }
  SUBCASE("a header value with a line break") {
    auto o = options("http://example.com/");
    o.headers = {{"X-A", "1\r\nX-B: 2"}};
    CHECK_THROWS_AS(HttpProbe(io, o), std::invalid_argument);
  }
  SUBCASE("a bad method") {
    auto o = options("http://example.com/");
    o.method = "GET /";
    CHECK_THROWS_AS(HttpProbe(io, o), std::invalid_argument);
  }
  SUBCASE("no expected status") {
    CHECK_THROWS_AS(HttpProbe(io, options("http://example.com/", {}, {})), std::invalid_argument);
  }
}

TEST_CASE("http probe succeeds when expect_body_regex matches somewhere in the body") {
  asio::io_context io;
  LoopbackServer server(
      io, Mode::Respond,
      LoopbackServer::http(200, "version: 1.4.2\nqueue depth: 17\nstate: ready\n"));
  auto o = options(server.url());
  o.expectBodyRegex = R"(queue depth: \d{1,2}\n)";
  HttpProbe probe(io, o);
  auto r = attempt(io, probe);
  CHECK_MESSAGE(r.ok(), r.detail);
}

TEST_CASE("http probe fails with body when expect_body_regex does not match") {
  asio::io_context io;
  LoopbackServer server(io, Mode::Respond, LoopbackServer::http(200, "queue depth: 1700\n"));
  auto o = options(server.url());
  o.expectBodyRegex = R"(^queue depth: \d{1,2}$)";
  HttpProbe probe(io, o);
  auto r = attempt(io, probe);
  CHECK(r.failure == ProbeFailure::Body);
  CHECK(r.detail == R"(body does not match /^queue depth: \d{1,2}$/ (18 bytes read))");
}

TEST_CASE("http probe checks expect_body and expect_body_regex both when both are set") {
  asio::io_context io;
  LoopbackServer server(io, Mode::Respond, LoopbackServer::http(200, "ok: 3 nodes"));
  auto o = options(server.url(), "ok");
  SUBCASE("both hold") {
    o.expectBodyRegex = R"(\d+ nodes)";
    HttpProbe probe(io, o);
    CHECK(attempt(io, probe).ok());
  }
  SUBCASE("the substring holds, the pattern does not") {
    o.expectBodyRegex = R"(\d+ zones)";
    HttpProbe probe(io, o);
    CHECK(attempt(io, probe).failure == ProbeFailure::Body);
  }
}

TEST_CASE("http probe searches expect_body_regex only in the first 64 KiB, in linear time") {
  asio::io_context io;
  // A pattern that makes backtracking engines explode on a long run of "a"s; RE2 does not care.
  std::string body(kMaxHttpBody, 'a');
  body += "MARKER";
  LoopbackServer server(io, Mode::Respond, LoopbackServer::http(200, body));
  SUBCASE("past the cap is never seen") {
    auto o = options(server.url());
    o.expectBodyRegex = "MARKER";
    HttpProbe probe(io, o);
    auto r = attempt(io, probe);
    CHECK(r.failure == ProbeFailure::Body);
    CHECK(r.detail == "body does not match /MARKER/ (65536 bytes read)");
  }
  SUBCASE("a pathological pattern over the whole cap") {
    auto o = options(server.url());
    o.expectBodyRegex = "(a*)*b";
    HttpProbe probe(io, o);
    CHECK(attempt(io, probe).failure == ProbeFailure::Body);
  }
}

TEST_CASE("http probe refuses a bad expect_body_regex when built") {
  asio::io_context io;
  auto o = options("http://127.0.0.1/");
  o.expectBodyRegex = "(unclosed";
  try {
    HttpProbe probe(io, o);
    FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()) ==
          "http probe http://127.0.0.1/: bad expect_body_regex: missing ): (unclosed");
  }
}

}  // namespace
}  // namespace planb::probes::test
