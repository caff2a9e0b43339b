#include "net/http_client.hpp"

#include <curl/curl.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <mutex>

#include "core/ascii.hpp"
#include "net/url.hpp"

namespace planb::net {

namespace {

bool isSecretName(const std::string& lowered) {
  // Matched anywhere in the name: over-redacting a harmless value costs nothing.
  static const char* const kSecret[] = {"authorization",
                                        "x-api-key",
                                        "x-auth-key",
                                        "x-auth-email",
                                        "signature",
                                        "accesskeyid",
                                        "access_key",
                                        "api-key",
                                        "api_key",
                                        "apikey",
                                        "token",
                                        "password",
                                        "passwd",
                                        "secret",
                                        "credential",
                                        "cookie",
                                        "session",
                                        "securitytoken",
                                        "x-acs-security-token"};
  // Matched as the whole name only: too short to search for inside other names.
  static const char* const kSecretExact[] = {"key", "sig", "auth", "pass"};
  if (lowered.rfind("x-amz-", 0) == 0 && lowered != "x-amz-date" &&
      lowered != "x-amz-content-sha256") {
    return true;
  }
  return std::any_of(std::begin(kSecret), std::end(kSecret),
                     [&](const char* s) { return lowered.find(s) != std::string::npos; }) ||
         std::any_of(std::begin(kSecretExact), std::end(kSecretExact),
                     [&](const char* s) { return lowered == s; });
}

struct Received {
  HttpResponse* response;
  std::size_t max_body;
  bool too_large = false;
};

std::size_t onBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* r = static_cast<Received*>(user);
  std::size_t n = size * count;
  if (r->response->body.size() + n > r->max_body) {
    r->too_large = true;
    return 0;  // aborts the transfer
  }
  r->response->body.append(data, n);
  return n;
}

std::size_t onHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* r = static_cast<Received*>(user);
  std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    r->response->headers.clear();  // a new response (after 100 Continue or a redirect)
    return size * count;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string value(line.substr(colon + 1));
    auto first = value.find_first_not_of(" \t");
    auto last = value.find_last_not_of(" \t\r\n");
    value = first == std::string::npos ? "" : value.substr(first, last - first + 1);
    r->response->headers.emplace_back(core::asciiLower(line.substr(0, colon)), value);
  }
  return size * count;
}

// A curl header list that wipes its lines (they may hold credentials) and frees itself.
struct SList {
  curl_slist* list = nullptr;
  bool failed = false;
  void append(const std::string& line) {
    curl_slist* grown = curl_slist_append(list, line.c_str());
    if (grown == nullptr) {
      failed = true;
      return;
    }
    list = grown;
  }
  SList() = default;
  SList(const SList&) = delete;
  SList& operator=(const SList&) = delete;
  ~SList() {
    for (curl_slist* item = list; item != nullptr; item = item->next) {
      OPENSSL_cleanse(item->data, std::strlen(item->data));  // memset may be optimised away
    }
    curl_slist_free_all(list);
  }
};

bool hasLineBreak(const std::string& text) {
  return text.find_first_of(std::string("\r\n\0", 3)) != std::string::npos;
}

long atLeastOneMs(std::chrono::milliseconds timeout) {
  return std::max<long>(1, static_cast<long>(timeout.count()));
}

// curl's own message ("Failed to connect to 127.0.0.1 port 9: Connection refused") says more
// than curl_easy_strerror; it is used unless it quotes a part of the URL that may be secret.
std::string curlDetail(CURLcode code, const char* error_buffer, const std::string& url) {
  std::string detail = error_buffer != nullptr ? error_buffer : "";
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r')) {
    detail.pop_back();
  }
  auto query = url.find('?');
  auto at = url.find('@');
  bool quotes_url = (query != std::string::npos && query + 1 < url.size() &&
                     detail.find(url.substr(query + 1)) != std::string::npos) ||
                    (at != std::string::npos && detail.find('@') != std::string::npos);
  if (detail.empty() || quotes_url) {
    return curl_easy_strerror(code);
  }
  return detail;
}

// curl's codes for a TLS peer planb cannot trust, or a CA bundle or certificate it cannot use:
// configuration problems that no retry fixes (a hostname mismatch is
// CURLE_PEER_FAILED_VERIFICATION since curl 7.62).
bool isTlsVerificationFailure(CURLcode code) {
  switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION:  // untrusted chain, wrong name, expired
    case CURLE_SSL_CACERT_BADFILE:        // ca_file missing or unreadable
    case CURLE_SSL_CERTPROBLEM:           // client certificate unusable
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return true;
    default:
      return false;
  }
}

// "host:port" of URL for a message, or the redacted URL when it does not parse.
std::string hostOf(const std::string& url) {
  std::string why;
  std::optional<Url> parsed = parseUrl(url, why);
  return parsed ? parsed->host.str() : redactUrl(url);
}

// CURLOPT_RESOLVE's lines for the URL's host: the addresses planbd resolved, in place of libcurl's
// own look-up. The entry a previous request left in the handle's DNS cache is removed first
// ("-HOST:PORT"), so addresses that changed, or none known any more, never go stale. IPv6
// addresses are bracketed, as https://curl.se/libcurl/c/CURLOPT_RESOLVE.html asks.
void resolveOverride(const HostAddresses& book, const std::string& url, SList& lines) {
  std::string why;
  std::optional<HttpUrl> parsed = parseHttpUrl(url, why);
  if (!parsed) {
    return;  // curl reports the bad URL itself
  }
  std::string host_port = parsed->host + ":" + std::to_string(parsed->port);
  if (parsed->host.find(':') != std::string::npos) {
    return;  // an IPv6 literal: nothing to resolve
  }
  lines.append("-" + host_port);
  std::string joined;
  for (const std::string& address : book.addressesOf(parsed->host)) {
    if (!joined.empty()) {
      joined += ",";
    }
    joined += address.find(':') != std::string::npos ? "[" + address + "]" : address;
  }
  if (!joined.empty()) {
    lines.append(host_port + ":" + joined);
  }
}

void initCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  std::string wanted = core::asciiLower(name);
  for (const auto& [n, v] : headers) {
    if (n == wanted) {
      return v;
    }
  }
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> retryAfterOf(const HttpResponse& response) {
  std::optional<std::string> value = response.header("retry-after");
  if (!value) {
    return std::nullopt;
  }
  std::string_view text = *value;
  while (!text.empty() && text.front() == ' ') {
    text.remove_prefix(1);
  }
  while (!text.empty() && text.back() == ' ') {
    text.remove_suffix(1);
  }
  long long seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || seconds < 0 || seconds > 86'400) {
    return std::nullopt;
  }
  return std::chrono::seconds(seconds);
}

namespace {

// "scheme://user:password@host/…" with the password (or a lone user part, often a token)
// replaced by "***".
std::string redactUserinfo(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    return url;
  }
  std::size_t authority = scheme_end + 3;
  std::size_t authority_end = url.find_first_of("/?#", authority);
  if (authority_end == std::string::npos) {
    authority_end = url.size();
  }
  auto at = url.rfind('@', authority_end - 1);
  if (at == std::string::npos || at < authority) {
    return url;
  }
  auto colon = url.find(':', authority);
  std::string user = colon != std::string::npos && colon < at
                         ? url.substr(authority, colon - authority) + ":***"
                         : std::string("***");
  return url.substr(0, authority) + user + url.substr(at);
}

}  // namespace

std::string redactUrl(const std::string& full_url) {
  const std::string url = redactUserinfo(full_url);
  auto q = url.find('?');
  if (q == std::string::npos) {
    return url;
  }
  std::string out = url.substr(0, q + 1);
  std::string query = url.substr(q + 1);
  std::size_t start = 0;
  while (start <= query.size()) {
    auto end = query.find('&', start);
    if (end == std::string::npos) {
      end = query.size();
    }
    std::string pair = query.substr(start, end - start);
    auto eq = pair.find('=');
    std::string name = pair.substr(0, eq);
    if (eq != std::string::npos && isSecretName(core::asciiLower(name))) {
      pair = name + "=***";
    }
    out += pair;
    if (end < query.size()) {
      out += '&';
    }
    start = end + 1;
  }
  return out;
}

std::string redactHeader(const std::string& name, const std::string& value) {
  return isSecretName(core::asciiLower(name)) ? "***" : value;
}

std::string describe(const HttpRequest& request) {
  return request.method + " " + redactUrl(request.url);
}

CurlTransport::CurlTransport(HttpOptions options, std::shared_ptr<const HostAddresses> addresses)
    : options_(std::move(options)), addresses_(std::move(addresses)) {
  initCurlOnce();
  curl_ = curl_easy_init();
}

CurlTransport::~CurlTransport() {
  curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Result<HttpResponse> CurlTransport::send(const HttpRequest& request) {
  // One easy handle cannot run two transfers: callers on other threads wait their turn.
  std::lock_guard<std::mutex> lock(mutex_);
  CURL* curl = static_cast<CURL*>(curl_);
  if (!curl) {
    return Error{ErrorKind::Transient, describe(request) + ": cannot create a curl handle",
                 std::nullopt};
  }
  curl_easy_reset(curl);
  HttpResponse response;
  Received received{&response, options_.max_body};
  SList headers;
  for (const auto& [name, value] : request.headers) {
    // A line break would end the header and inject what follows; the value is not quoted in
    // the message, it may be a credential.
    if (name.empty() || hasLineBreak(name) || hasLineBreak(value)) {
      std::string which = name.empty() || hasLineBreak(name) ? "a header" : "header " + name;
      return Error{ErrorKind::Permanent,
                   describe(request) + ": " + which + " has an empty name or a line break",
                   std::nullopt};
    }
    // "Name:" would remove the header; "Name;" is curl's way to send it empty.
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    headers.append(line);
    OPENSSL_cleanse(line.data(), line.size());
  }
  // Without this curl adds "Expect: 100-continue" to larger bodies, costing a round trip.
  headers.append("Expect:");
  if (headers.failed) {
    return Error{ErrorKind::Transient, describe(request) + ": out of memory", std::nullopt};
  }
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
      request.method == "PATCH") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  SList resolve;
  if (addresses_) {
    resolveOverride(*addresses_, request.url, resolve);
    if (resolve.failed) {
      return Error{ErrorKind::Transient, describe(request) + ": out of memory", std::nullopt};
    }
    curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve.list);
  }
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (options_.ca_file) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file->c_str());
  }
  if (options_.cert_file) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, options_.cert_file->c_str());
  }
  if (options_.key_file) {
    curl_easy_setopt(curl, CURLOPT_SSLKEY, options_.key_file->c_str());
  }
  if (options_.unix_socket) {
    curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, options_.unix_socket->c_str());
  }
  // curl reads 0 as "no timeout": every operation stays bounded.
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, atLeastOneMs(options_.connect_timeout));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, atLeastOneMs(options_.total_timeout));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  // Never a proxy from the environment (http_proxy, HTTPS_PROXY, ALL_PROXY): credentials go
  // straight to the endpoint the configuration names (product.md §3). "" disables proxies,
  // environment included; NOPROXY "*" again, should a later libcurl read them otherwise.
  curl_easy_setopt(curl, CURLOPT_PROXY, "");
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  // Refuses a declared Content-Length above the limit before reading any of the body.
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.max_body));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &received);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &received);
  CURLcode code = curl_easy_perform(curl);
  // The error buffer lives on this stack frame: the handle must not keep pointing at it.
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  if (received.too_large || code == CURLE_FILESIZE_EXCEEDED) {
    return Error{
        ErrorKind::Transient,
        describe(request) + ": reply larger than " + std::to_string(options_.max_body) + " bytes",
        std::nullopt};
  }
  if (code != CURLE_OK) {
    std::string what;
    if (code == CURLE_OPERATION_TIMEDOUT) {
      curl_off_t connected_us = 0;
      curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connected_us);
      long total = atLeastOneMs(options_.total_timeout);
      what = connected_us == 0
                 ? "no connection within " +
                       std::to_string(std::min(atLeastOneMs(options_.connect_timeout), total)) +
                       " ms"
                 : "no complete reply within " + std::to_string(total) + " ms";
    } else {
      what = curlDetail(code, error_buffer, request.url);
    }
    if (isTlsVerificationFailure(code)) {
      // Retrying soon cannot help: the operator has to fix the certificate or the CA bundle.
      return Error{ErrorKind::Permanent,
                   describe(request) + ": TLS verification of " + hostOf(request.url) +
                       " failed (" + what +
                       "): check the endpoint's certificate or the provider's ca_file",
                   std::nullopt};
    }
    return Error{ErrorKind::Transient, describe(request) + ": " + what, std::nullopt};
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace planb::net
