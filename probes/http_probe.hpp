#pragma once
// HTTP probe: one request on a fresh connection per attempt, judged by status and body.

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "probes/probe.hpp"
#include "probes/url.hpp"

namespace planb::probes {

namespace detail {
class ConnectAttempt;
}

// At most this much of a response body is read; a longer body is truncated, not an error.
inline constexpr std::size_t kMaxHttpBody = 64 * 1024;

struct HttpProbeOptions {
  Url url;
  std::string method = "GET";
  // Host header value instead of the URL's authority (the connection still goes to the URL's
  // host). It will also be the TLS SNI name.
  std::optional<std::string> host;
  // Extra request headers. Host, Connection, Content-Length and Transfer-Encoding are the
  // probe's own and rejected here.
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<int> expectStatus{200};
  std::optional<std::string> expectBody;  // substring of the first kMaxHttpBody bytes
};

// The request is "<method> <target> HTTP/1.1" with Host, User-Agent "planb-probe/<version>",
// Accept and "Connection: close"; it is serialized once, when the probe is built.
//
// Results:
//   success   status in expectStatus and, if set, expectBody in the first 64 KiB of the body
//   status    any other status ("status 503, expected 200"); also a response that is not valid
//             HTTP ("malformed HTTP response from …: bad version"). The peer answered, so the
//             fault is the endpoint's — `internal` stays reserved for planb's own failures.
//   body      expectBody not found
//   timeout   the attempt's one deadline (resolve + connect + write + read) passed
//   refused   connect refused/reset/unreachable, or the connection closed before or in the
//             middle of the response
//   dns       the host name did not resolve
//   internal  cancelled
//
// Only http:// is implemented; the attempt is templated on its transport so HTTPS adds a TLS
// stream and a handshake step (SNI = Host name) without changing the other steps.
class HttpProbe final : public Probe {
 public:
  // Throws std::invalid_argument for https (not yet), an empty expectStatus, or a bad method or
  // header.
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
  boost::asio::io_context& io_;
  std::shared_ptr<const Spec> spec_;
  std::weak_ptr<detail::ConnectAttempt> current_;
};

}  // namespace planb::probes
