#pragma once
// The one HTTP client of every API provider, on libcurl: TLS verification always on, connect and
// total timeouts, and nothing secret in any text it produces.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "net/error.hpp"
#include "net/host_addresses.hpp"

namespace planb::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // absolute
  Headers headers;
  std::string body;
};

struct HttpResponse {
  long status = 0;
  Headers headers;  // names in lower case
  std::string body;
  std::optional<std::string> header(std::string_view name) const;  // case-insensitive
};

// Retry-After as delay-seconds (RFC 9110 §10.2.3), blanks trimmed. An HTTP date, anything else
// unreadable, or more than a day is ignored (nullopt): the caller's backoff decides.
std::optional<std::chrono::milliseconds> retryAfterOf(const HttpResponse& response);

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds total_timeout{10'000};
  std::optional<std::string> ca_file;  // a CA bundle used instead of the system's CAs
  std::optional<std::string> cert_file = std::nullopt;  // a client certificate (PEM), with key_file
  std::optional<std::string> key_file = std::nullopt;   // its private key (PEM)
  // A unix socket every request connects to instead of the URL's host and port (libcurl's
  // CURLOPT_UNIX_SOCKET_PATH); the URL still gives the path and the Host header.
  std::optional<std::string> unix_socket = std::nullopt;
  std::size_t max_body = 8 * 1024 * 1024;  // a larger reply is an error, not a memory hog
};

// The seam providers are tested through: CurlTransport in planbd, anything in tests.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // A reply of any status is a response; only "no reply" (connect, timeout, oversized) is an
  // error, of kind Transient, whose message names the method and the redacted URL. A request
  // that cannot be sent as given (a header with a line break) is Permanent, and so is a TLS peer
  // that fails verification (untrusted, wrong name, expired) or an unusable ca_file: the message
  // names the host and tells to check the endpoint's certificate or the provider's ca_file.
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

class CurlTransport final : public HttpTransport {
 public:
  // ADDRESSES: where the request's host name is looked up first (planbd's own resolution, with
  // the last good addresses kept); none, or no addresses for the host: libcurl resolves it.
  explicit CurlTransport(HttpOptions options = {},
                         std::shared_ptr<const HostAddresses> addresses = nullptr);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Result<HttpResponse> send(const HttpRequest& request) override;

 private:
  HttpOptions options_;
  std::shared_ptr<const HostAddresses> addresses_;
  std::mutex mutex_;  // serialises send(): one transfer at a time on the handle
  void* curl_;        // one handle, reused for connection reuse
};

// For logs and errors: the URL with the values of secret-looking query parameters (Signature,
// AccessKeyId, X-Amz-*, api-key, token, …) replaced by "***".
std::string redactUrl(const std::string& url);

// For logs: the value of Authorization, X-API-Key, X-Auth-Key, X-Amz-Security-Token and other
// credential headers replaced by "***"; other headers unchanged.
std::string redactHeader(const std::string& name, const std::string& value);

// "GET https://host/path?q" with the URL redacted.
std::string describe(const HttpRequest& request);

}  // namespace planb::net
