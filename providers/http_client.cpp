#include "providers/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace planb::providers {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool isSecretName(const std::string& lowered) {
  static const char* const kSecret[] = {"authorization",
                                        "x-api-key",
                                        "x-auth-key",
                                        "x-auth-email",
                                        "signature",
                                        "accesskeyid",
                                        "api-key",
                                        "api_key",
                                        "token",
                                        "password",
                                        "secret",
                                        "securitytoken",
                                        "x-acs-security-token"};
  if (lowered.rfind("x-amz-", 0) == 0 && lowered != "x-amz-date" &&
      lowered != "x-amz-content-sha256") {
    return true;
  }
  return std::any_of(std::begin(kSecret), std::end(kSecret), [&](const char* s) {
    return lowered == s || lowered.find(s) != std::string::npos;
  });
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
    r->response->headers.emplace_back(lower(line.substr(0, colon)), value);
  }
  return size * count;
}

void initCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  std::string wanted = lower(name);
  for (const auto& [n, v] : headers) {
    if (n == wanted) {
      return v;
    }
  }
  return std::nullopt;
}

std::string redactUrl(const std::string& url) {
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
    if (eq != std::string::npos && isSecretName(lower(name))) {
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
  return isSecretName(lower(name)) ? "***" : value;
}

std::string describe(const HttpRequest& request) {
  return request.method + " " + redactUrl(request.url);
}

CurlTransport::CurlTransport(HttpOptions options) : options_(std::move(options)) {
  initCurlOnce();
  curl_ = curl_easy_init();
}

CurlTransport::~CurlTransport() {
  curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Result<HttpResponse> CurlTransport::send(const HttpRequest& request) {
  CURL* curl = static_cast<CURL*>(curl_);
  if (!curl) {
    return ProviderError{ErrorKind::Transient, describe(request) + ": cannot create a curl handle",
                         std::nullopt};
  }
  curl_easy_reset(curl);
  HttpResponse response;
  Received received{&response, options_.max_body};
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  // Without this curl adds "Expect: 100-continue" to larger bodies, costing a round trip.
  headers = curl_slist_append(headers, "Expect:");
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
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (options_.ca_file) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file->c_str());
  }
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &received);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &received);
  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (received.too_large) {
    return ProviderError{
        ErrorKind::Transient,
        describe(request) + ": reply larger than " + std::to_string(options_.max_body) + " bytes",
        std::nullopt};
  }
  if (code != CURLE_OK) {
    std::string what =
        code == CURLE_OPERATION_TIMEDOUT
            ? "timed out after " + std::to_string(options_.total_timeout.count()) + " ms"
            : curl_easy_strerror(code);
    return ProviderError{ErrorKind::Transient, describe(request) + ": " + what, std::nullopt};
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace planb::providers
