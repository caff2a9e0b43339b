// HTTPS probes against a TLS server on 127.0.0.1: certificates are made at test time with the
// openssl CLI, into a temporary directory removed at exit — no key is ever committed.

#include <doctest/doctest.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <stdexcept>

#include "fakes/test_pki.hpp"
#include "probe_factory.hpp"
#include "probes/http_probe.hpp"
#include "test_support.hpp"

namespace planb::probes::test {
namespace {

namespace ssl = asio::ssl;
using core::ProbeFailure;
using Mode = LoopbackServer::Mode;

using Pki = planb::testing::TestPki;

// A TLS server on 127.0.0.1:0: per connection, handshake, read the request head, answer
// `response` and close. Records the SNI name the client sent.
class TlsServer {
 public:
  TlsServer(asio::io_context& io, const std::string& cert, std::string response)
      : io_(io),
        context_(ssl::context::tls_server),
        acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        response_(std::move(response)) {
    const Pki& pki = Pki::get();
    context_.use_certificate_chain_file(pki.file(cert + ".pem"));
    context_.use_private_key_file(pki.file(cert + ".key"), ssl::context::pem);
    accept();
  }
  ~TlsServer() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto& s : sessions_) {
      s->stream.lowest_layer().close(ignored);
    }
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url(const std::string& path = "/") const {
    return "https://127.0.0.1:" + std::to_string(port()) + path;
  }
  int accepted() const { return accepted_; }
  int handshakes() const { return handshakes_; }            // completed
  int handshakesEnded() const { return handshakesEnded_; }  // completed or failed
  const std::string& sni() const { return sni_; }
  const std::string& lastRequest() const { return lastRequest_; }

 private:
  struct Session {
    Session(asio::io_context& io, ssl::context& context) : stream(io, context) {}
    ssl::stream<tcp::socket> stream;
    asio::streambuf in;
  };

  void accept() {
    auto session = std::make_shared<Session>(io_, context_);
    acceptor_.async_accept(session->stream.lowest_layer(),
                           [this, session](const boost::system::error_code& ec) {
                             if (ec) {
                               return;  // closed: `this` may be gone
                             }
                             ++accepted_;
                             sessions_.push_back(session);
                             serve(session);
                             accept();
                           });
  }

  void serve(const std::shared_ptr<Session>& s) {
    s->stream.async_handshake(ssl::stream_base::server, [this,
                                                         s](const boost::system::error_code& ec) {
      const char* name = SSL_get_servername(s->stream.native_handle(), TLSEXT_NAMETYPE_host_name);
      sni_ = name != nullptr ? name : "";
      ++handshakesEnded_;
      if (ec) {
        return;
      }
      ++handshakes_;
      asio::async_read_until(
          s->stream, s->in, "\r\n\r\n",
          [this, s](const boost::system::error_code& ec, std::size_t n) {
            if (ec) {
              return;
            }
            lastRequest_.assign(asio::buffers_begin(s->in.data()),
                                asio::buffers_begin(s->in.data()) + static_cast<std::ptrdiff_t>(n));
            asio::async_write(s->stream, asio::buffer(response_),
                              [s](const boost::system::error_code&, std::size_t) {
                                boost::system::error_code ignored;
                                s->stream.lowest_layer().close(ignored);
                              });
          });
    });
  }

  asio::io_context& io_;
  ssl::context context_;
  tcp::acceptor acceptor_;
  std::string response_;
  std::vector<std::shared_ptr<Session>> sessions_;
  int accepted_ = 0;
  int handshakes_ = 0;
  int handshakesEnded_ = 0;
  std::string sni_ = "(none)";
  std::string lastRequest_;
};

HttpProbeOptions options(const std::string& url, std::optional<std::string> caFile) {
  HttpProbeOptions o;
  o.url = planb::net::parseHttpUrl(url);
  o.caFile = std::move(caFile);
  return o;
}

core::ProbeResult attempt(asio::io_context& io, HttpProbe& probe,
                          std::chrono::milliseconds timeout = 2000ms) {
  Results results;
  probe.start(timeout, results.callback());
  REQUIRE(runUntil(io, [&] { return results.any(); }));
  REQUIRE(results.all.size() == 1);
  return results.all[0];
}

std::string peer(std::uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

TEST_CASE("https probe succeeds with the test CA as ca_file, checking status and body") {
  asio::io_context io;
  TlsServer server(io, "ip", LoopbackServer::http(200, "all ok"));
  auto o = options(server.url("/health"), Pki::get().file("ca.pem"));
  o.expectBody = "ok";
  HttpProbe probe(io, o);
  auto r = attempt(io, probe);
  CHECK_MESSAGE(r.ok(), r.detail);
  CHECK(server.lastRequest().rfind("GET /health HTTP/1.1\r\nHost: " + peer(server.port()) + "\r\n",
                                   0) == 0);
  CHECK(server.sni().empty());  // an IP address is never sent as SNI

  SUBCASE("a fresh connection and handshake per attempt, on the probe's one context") {
    CHECK(attempt(io, probe).ok());
    CHECK(server.accepted() == 2);
    CHECK(server.handshakes() == 2);
  }
}

TEST_CASE("https probe checks status and body over TLS") {
  asio::io_context io;
  SUBCASE("status") {
    TlsServer server(io, "ip", LoopbackServer::http(503, "down"));
    HttpProbe probe(io, options(server.url(), Pki::get().file("ca.pem")));
    auto r = attempt(io, probe);
    CHECK(r.failure == ProbeFailure::Status);
    CHECK(r.detail == "status 503, expected 200");
  }
  SUBCASE("body") {
    TlsServer server(io, "ip", LoopbackServer::http(200, "starting"));
    auto o = options(server.url(), Pki::get().file("ca.pem"));
    o.expectBody = "ready";
    HttpProbe probe(io, o);
    auto r = attempt(io, probe);
    CHECK(r.failure == ProbeFailure::Body);
    CHECK(r.detail == "body does not contain \"ready\" (8 bytes read)");
  }
}

TEST_CASE("https probe fails with tls when the certificate is not trusted") {
  asio::io_context io;
  SUBCASE("a self-signed certificate, system CAs") {
    TlsServer server(io, "self", LoopbackServer::http(200, "ok"));
    HttpProbe probe(io, options(server.url(), std::nullopt));
    auto r = attempt(io, probe);
    CHECK(r.failure == ProbeFailure::Tls);
    CHECK(r.detail == "tls handshake with " + peer(server.port()) +
                          ": certificate verify failed (self-signed certificate)");
    CHECK(server.handshakes() == 0);
  }
  SUBCASE("the test CA is unknown to the system") {
    TlsServer server(io, "ip", LoopbackServer::http(200, "ok"));
    HttpProbe probe(io, options(server.url(), std::nullopt));
    auto r = attempt(io, probe);
    CHECK(r.failure == ProbeFailure::Tls);
    CHECK(r.detail == "tls handshake with " + peer(server.port()) +
                          ": certificate verify failed (unable to get local issuer certificate)");
  }
  SUBCASE("ca_file names another CA") {
    TlsServer server(io, "ip", LoopbackServer::http(200, "ok"));
    HttpProbe probe(io, options(server.url(), Pki::get().file("other-ca.pem")));
    auto r = attempt(io, probe);
    CHECK(r.failure == ProbeFailure::Tls);
    CHECK(r.detail == "tls handshake with " + peer(server.port()) +
                          ": certificate verify failed (unable to get local issuer certificate)");
  }
  SUBCASE("an expired certificate") {
    TlsServer server(io, "expired", LoopbackServer::http(200, "ok"));
    HttpProbe probe(io, options(server.url(), Pki::get().file("ca.pem")));
    auto r = attempt(io, probe);
    CHECK(r.failure == ProbeFailure::Tls);
    CHECK(r.detail == "tls handshake with " + peer(server.port()) +
                          ": certificate verify failed (certificate has expired)");
  }
}

TEST_CASE("https probe checks the certificate's name against the SNI name") {
  asio::io_context io;
  TlsServer server(io, "name", LoopbackServer::http(200, "ok"));
  SUBCASE("the URL's IP address is not in a certificate for app.test") {
    HttpProbe probe(io, options(server.url(), Pki::get().file("ca.pem")));
    auto r = attempt(io, probe);
    CHECK(r.failure == ProbeFailure::Tls);
    CHECK(r.detail == "tls handshake with " + peer(server.port()) +
                          ": certificate verify failed (IP address mismatch)");
  }
  SUBCASE("a host override for another name") {
    auto o = options(server.url(), Pki::get().file("ca.pem"));
    o.host = "other.test";
    HttpProbe probe(io, o);
    auto r = attempt(io, probe);
    CHECK(r.failure == ProbeFailure::Tls);
    CHECK(r.detail == "tls handshake with " + peer(server.port()) +
                          ": certificate verify failed (hostname mismatch)");
    REQUIRE(runUntil(io, [&] { return server.handshakesEnded() == 1; }));
    CHECK(server.sni() == "other.test");
  }
  SUBCASE("the host override names the certificate: SNI and Host are that name") {
    auto o = options(server.url("/x"), Pki::get().file("ca.pem"));
    o.host = "App.Test:8443";
    HttpProbe probe(io, o);
    auto r = attempt(io, probe);
    CHECK_MESSAGE(r.ok(), r.detail);
    CHECK(server.sni() == "app.test");
    CHECK(server.lastRequest().rfind("GET /x HTTP/1.1\r\nHost: App.Test:8443\r\n", 0) == 0);
  }
}

// The notAfter of a PEM certificate of the test PKI, read with OpenSSL.
std::chrono::system_clock::time_point notAfterOf(const std::string& name) {
  std::FILE* file = std::fopen(Pki::get().file(name + ".pem").c_str(), "r");
  REQUIRE(file != nullptr);
  X509* cert = PEM_read_X509(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  REQUIRE(cert != nullptr);
  std::tm tm{};
  REQUIRE(ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1);
  X509_free(cert);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

TEST_CASE("https probe reports the notAfter of the certificate the server presented") {
  asio::io_context io;
  SUBCASE("a valid certificate, on success") {
    TlsServer server(io, "ip", LoopbackServer::http(200, "ok"));
    HttpProbe probe(io, options(server.url(), Pki::get().file("ca.pem")));
    auto r = attempt(io, probe);
    CHECK_MESSAGE(r.ok(), r.detail);
    REQUIRE(r.cert_expiry.has_value());
    CHECK(*r.cert_expiry == notAfterOf("ip"));
    CHECK(*r.cert_expiry > std::chrono::system_clock::now());
  }
  SUBCASE("an expired certificate, with the tls failure") {
    TlsServer server(io, "expired", LoopbackServer::http(200, "ok"));
    HttpProbe probe(io, options(server.url(), Pki::get().file("ca.pem")));
    auto r = attempt(io, probe);
    CHECK(r.failure == ProbeFailure::Tls);
    REQUIRE(r.cert_expiry.has_value());
    CHECK(*r.cert_expiry == notAfterOf("expired"));
    CHECK(*r.cert_expiry < std::chrono::system_clock::now());
  }
  SUBCASE("a certificate for another name, with the tls failure") {
    TlsServer server(io, "name", LoopbackServer::http(200, "ok"));
    HttpProbe probe(io, options(server.url(), Pki::get().file("ca.pem")));
    auto r = attempt(io, probe);
    CHECK(r.failure == ProbeFailure::Tls);
    REQUIRE(r.cert_expiry.has_value());
    CHECK(*r.cert_expiry == notAfterOf("name"));
  }
  SUBCASE("a server that never shows a certificate: none") {
    LoopbackServer server(io, Mode::CloseImmediately);
    HttpProbe probe(io, options("https://" + peer(server.port()) + "/", Pki::get().file("ca.pem")));
    auto r = attempt(io, probe);
    CHECK(r.failure == ProbeFailure::Tls);
    CHECK_FALSE(r.cert_expiry.has_value());
  }
}

TEST_CASE("https probe checks expect_body_regex over TLS") {
  asio::io_context io;
  TlsServer server(io, "ip", LoopbackServer::http(200, "{\"status\": \"green\"}"));
  auto o = options(server.url(), Pki::get().file("ca.pem"));
  o.expectBodyRegex = R"~("status":\s*"(green|yellow)")~";
  HttpProbe probe(io, o);
  auto r = attempt(io, probe);
  CHECK_MESSAGE(r.ok(), r.detail);
}

TEST_CASE("https probe times out in a handshake the server never answers") {
  asio::io_context io;
  LoopbackServer server(io, Mode::Silent);
  HttpProbe probe(io, options("https://" + peer(server.port()) + "/", Pki::get().file("ca.pem")));
  auto r = attempt(io, probe, 200ms);
  CHECK(r.failure == ProbeFailure::Timeout);
  CHECK(r.detail == "timeout after 200ms in handshake with " + peer(server.port()));
}

TEST_CASE("https probe fails with tls when the server closes instead of handshaking") {
  asio::io_context io;
  LoopbackServer server(io, Mode::CloseImmediately);
  HttpProbe probe(io, options("https://" + peer(server.port()) + "/", Pki::get().file("ca.pem")));
  auto r = attempt(io, probe);
  CHECK(r.failure == ProbeFailure::Tls);
  CHECK(r.detail.rfind("tls handshake with " + peer(server.port()) + ": ", 0) == 0);
}

TEST_CASE("https probe refuses an unreadable ca_file, and ca_file on http") {
  asio::io_context io;
  CHECK_THROWS_AS(HttpProbe(io, options("https://127.0.0.1/", "/nonexistent/ca.pem")),
                  std::invalid_argument);
  CHECK_THROWS_AS(HttpProbe(io, options("http://127.0.0.1/", Pki::get().file("ca.pem"))),
                  std::invalid_argument);
}

TEST_CASE("makeProbe builds an https probe with ca_file, host, method and headers") {
  asio::io_context io;
  TlsServer server(io, "name", LoopbackServer::http(200, "ok"));
  config::ProbeConfig config;
  config.name = "web";
  config.type = config::ProbeType::Http;
  config.http.url = server.url("/health");
  config.http.ca_file = Pki::get().file("ca.pem");
  config.http.host = "app.test";
  config.http.method = "POST";
  config.http.headers = {{"X-Probe", "planb"}};
  auto probe = makeProbe(io, config);
  Results results;
  probe->start(2000ms, results.callback());
  REQUIRE(runUntil(io, [&] { return results.any(); }));
  CHECK_MESSAGE(results.all[0].ok(), results.all[0].detail);
  CHECK(server.sni() == "app.test");
  CHECK(server.lastRequest().rfind("POST /health HTTP/1.1\r\nHost: app.test\r\n", 0) == 0);
  CHECK(server.lastRequest().find("\r\nX-Probe: planb\r\n") != std::string::npos);
  CHECK(server.lastRequest().find("\r\nContent-Length: 0\r\n") != std::string::npos);
}

}  // namespace
}  // namespace planb::probes::test
