#pragma once
// HTTP probe: one request on a fresh connection per attempt, judged by status and body.

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "net/sigv4.hpp"
#include "net/url.hpp"
#include "probes/probe.hpp"

namespace planb::probes {

namespace detail {
class ConnectAttempt;
}

// At most this much of a response body is read; a longer body is truncated, not an error.
inline constexpr std::size_t kMaxHttpBody = 64 * 1024;

struct HttpProbeOptions {
  net::HttpUrl url;
  std::string method = "GET";
  // Host header value instead of the URL's authority (the connection still goes to the URL's
  // host). It will also be the TLS SNI name.
  std::optional<std::string> host;
  // Extra request headers. Host, Connection, Content-Length and Transfer-Encoding are the
  // probe's own and rejected here.
  std::vector<std::pair<std::string, std::string>> headers;
  // Headers whose values are secrets (Authorization, a token): the header's name and the file
  // holding its value, read under net::readSecretFile's rules when the probe is built (a missing
  // or unsafe file, or a value with a control character, throws std::invalid_argument naming the
  // file, never the value) and at every attempt, re-read when the file changes. Sent after
  // `headers`, never signed.
  std::vector<std::pair<std::string, std::string>> headerFiles;
  std::vector<int> expectStatus{200};
  std::optional<std::string> expectBody;  // substring of the first kMaxHttpBody bytes
  // An RE2 pattern that must match somewhere in the first kMaxHttpBody bytes (a search, not a full
  // match: anchor it with ^ and $ to match the whole body). Both body checks may be given.
  std::optional<std::string> expectBodyRegex;
  // https only: trust only the CAs of this PEM file instead of the system's.
  std::optional<std::string> caFile;
  // Sign every attempt with AWS Signature Version 4 (S3-compatible object storage, any SigV4 API).
  using SigV4 = net::SigV4Identity;  // scope: region, service ("s3")
  std::optional<SigV4> sign;
  // Where each attempt takes its credentials from (files re-read when they change, so rotated STS
  // credentials sign the next attempt); sign's own credentials when empty.
  std::function<net::SigV4Credentials()> signCredentials;
};

// The request is "<method> <target> HTTP/1.1" with Host, User-Agent "planb-probe/<version>",
// Accept and "Connection: close"; it is serialized once, when the probe is built.
//
// Results:
//   success   status in expectStatus and, if set, expectBody in the first 64 KiB of the body and
//             expectBodyRegex matching in it
//   status    any other status ("status 503, expected 200"); also a response that is not valid
//             HTTP ("malformed HTTP response from …: bad version"). The peer answered, so the
//             fault is the endpoint's — `internal` stays reserved for planb's own failures.
//   body      expectBody not found, or expectBodyRegex does not match
//   timeout   the attempt's one deadline (resolve + connect + write + read) passed
//   refused   connect refused/reset/unreachable, or the connection closed before or in the
//             middle of the response
//   tls       https: the handshake failed — certificate not trusted, expired, or not for the
//             name ("tls handshake with 127.0.0.1:8443: certificate verify failed
//             (self-signed certificate)"), or the peer does not speak TLS
//   dns       the host name did not resolve
//   internal  cancelled
//
// https:// runs the same steps over a TLS stream with a handshake between connect and write,
// inside the one deadline. Verification is always on: the system's CAs, or only caFile's; the
// certificate must match the SNI name, which is the `host` override (without its port) or the
// URL's host (an IP literal is checked against the certificate's IP addresses and not sent as
// SNI). The ssl::context is built once per probe; each attempt is a fresh connection and session.
// Whenever the server presented a certificate — also one verification refused — the result carries
// its notAfter (ProbeResult::cert_expiry).
//
// With `sign`, each attempt's request is signed at its start (SigV4: Host, X-Amz-Date and
// X-Amz-Content-Sha256 of the empty payload are signed; the `headers` are sent unsigned). The
// request target is then sent in SigV4's canonical encoding: the URL's path and query decoded and
// re-encoded (S3: each path segment once; other services as AWS specifies). A server refusing the
// signature answers 403, which fails with reason `status` like any unexpected status.
class HttpProbe final : public Probe {
 public:
  // Throws std::invalid_argument for an empty expectStatus, a bad method or header, a caFile that
  // cannot be loaded (or given for http://), a bad expectBodyRegex, a URL target that does not
  // decode (with `sign`).
  HttpProbe(boost::asio::io_context& io, HttpProbeOptions options);
  ~HttpProbe() override;  // cancels the attempt in flight
  HttpProbe(const HttpProbe&) = delete;
  HttpProbe& operator=(const HttpProbe&) = delete;

  std::string_view kind() const noexcept override { return "http"; }
  void start(std::chrono::milliseconds timeout, ResultCallback done) override;
  void cancel() override;

  // Immutable per-probe data shared by its attempts (endpoint, serialized request, checks).
  struct Spec;

 private:
  void run(std::shared_ptr<detail::ConnectAttempt> attempt, std::chrono::milliseconds timeout);

  boost::asio::io_context& io_;
  std::shared_ptr<const Spec> spec_;
  std::weak_ptr<detail::ConnectAttempt> current_;
};

}  // namespace planb::probes
