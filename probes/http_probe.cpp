#include "probes/http_probe.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
// GCC 12 reports a false maybe-uninitialized inside Beast 1.74's parser (boost::optional) with
// some flag sets (e.g. sanitizers); the locations are Beast's, so silencing its headers suffices.
#pragma GCC diagnostic push
#ifndef __clang__  // clang has no such warning, and would warn about the pragma
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#pragma GCC diagnostic pop
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <re2/re2.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>
#include <stdexcept>
#include <string_view>

#include "net/ca_file.hpp"
#include "net/secret.hpp"
#include "net/watched_secret_file.hpp"
#include "probes/connect_attempt.hpp"
#include "probes/endpoint.hpp"

namespace planb::probes {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpProbe::Spec {
  Endpoint endpoint;
  std::string request;  // serialized once; every attempt writes these bytes
  std::vector<int> expectStatus;
  std::string expectedText;  // "200" or "one of 200, 204", for details
  std::optional<std::string> expectBody;
  std::unique_ptr<const re2::RE2> expectBodyRegex;
  bool head = false;  // a HEAD response announces a body it does not send
  // https only: the probe's one client context (verification on, CAs loaded once) and the name
  // sent as SNI and checked against the certificate.
  std::shared_ptr<asio::ssl::context> tls;
  std::string tlsName;
  bool tlsNameIsAddress = false;  // an IP literal: verified, but not sent as SNI (RFC 6066)
  // With signing: `request` without its final "Connection: close" line, the request to sign
  // (canonical target, Host, X-Amz-Content-Sha256), and whose key signs it.
  struct Signing {
    std::string head;
    net::SigV4Request request;
    net::SigV4Credentials credentials;
    std::function<net::SigV4Credentials()> source;  // when set, asked on every attempt
    net::SigV4Scope scope;
  };
  std::optional<Signing> signing;
  // header_files: `request` without its final line, and each header's file, read per attempt.
  std::string unsignedHead;
  std::vector<std::pair<std::string, std::shared_ptr<net::WatchedSecretFile>>> secretHeaders;
  // An attempt builds its own request (signed now, or with the secret headers' current values).
  bool perAttempt() const noexcept { return signing || !secretHeaders.empty(); }

  // The bytes one attempt writes: the fixed request, or one signed now.
  std::string requestNow() const;
};

namespace {

bool isToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

bool isFieldValue(std::string_view s) {
  return std::none_of(s.begin(), s.end(),
                      [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; });
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

constexpr std::string_view kLastLine = "Connection: close\r\n\r\n";

// A header the options may add: a token, and none of the probe's own.
void checkHeaderName(const HttpProbeOptions& o, const std::string& name) {
  for (std::string_view own : {"host", "connection", "content-length", "transfer-encoding"}) {
    if (iequals(name, own)) {
      throw std::invalid_argument("http probe " + o.url.str() + ": header " + name +
                                  " is set by the probe");
    }
  }
  if (!isToken(name)) {
    throw std::invalid_argument("http probe " + o.url.str() + ": bad header \"" + name + "\"");
  }
}

std::string buildRequest(const HttpProbeOptions& o, const std::string& target) {
  if (!isToken(o.method)) {
    throw std::invalid_argument("http probe " + o.url.str() + ": bad method \"" + o.method + "\"");
  }
  std::string host = o.host.value_or(o.url.authority());
  if (host.empty() || !isFieldValue(host)) {
    throw std::invalid_argument("http probe " + o.url.str() + ": bad host \"" + host + "\"");
  }
  std::string r;
  r.reserve(160 + target.size() + host.size());
  r.append(o.method).append(" ").append(target).append(" HTTP/1.1\r\n");
  r.append("Host: ").append(host).append("\r\n");
  r.append("User-Agent: planb-probe/" PLANB_VERSION "\r\n");
  r.append("Accept: */*\r\n");
  for (const auto& [name, value] : o.headers) {
    checkHeaderName(o, name);
    if (!isFieldValue(value)) {
      throw std::invalid_argument("http probe " + o.url.str() + ": bad header \"" + name + "\"");
    }
    r.append(name).append(": ").append(value).append("\r\n");
  }
  if (o.method == "POST" || o.method == "PUT" || o.method == "PATCH") {
    r.append("Content-Length: 0\r\n");  // no request body; some servers insist on the length
  }
  // A fresh connection per attempt: a probe must test connecting, and closing tells the server.
  r.append(kLastLine);
  return r;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// "%2Fa+b" -> "/a+b" ('+' is not a space in paths, and SigV4 signs query values as sent).
std::string percentDecode(std::string_view text, const net::HttpUrl& url) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    int high = i + 2 < text.size() ? hexValue(text[i + 1]) : -1;
    int low = i + 2 < text.size() ? hexValue(text[i + 2]) : -1;
    if (high < 0 || low < 0) {
      throw std::invalid_argument("http probe " + url.str() + ": bad percent-encoding in the url");
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

// The URL's target as SigV4 signs it: the path and the query pairs, decoded.
net::SigV4Request signedTarget(const net::HttpUrl& url) {
  net::SigV4Request request;
  std::string_view target = url.target;
  std::size_t question = target.find('?');
  request.path = percentDecode(target.substr(0, question), url);
  if (request.path.empty()) {
    request.path = "/";
  }
  if (question != std::string_view::npos) {
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
      std::size_t amp = query.find('&');
      std::string_view item = query.substr(0, amp);
      if (!item.empty()) {
        std::size_t eq = item.find('=');
        request.query.emplace_back(
            percentDecode(item.substr(0, eq), url),
            eq == std::string_view::npos ? std::string() : percentDecode(item.substr(eq + 1), url));
      }
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    }
  }
  return request;
}

// The certificate's notAfter as a time point; nullopt when OpenSSL cannot read it.
std::optional<std::chrono::system_clock::time_point> notAfter(const X509* cert) {
  std::tm tm{};
  if (cert == nullptr || ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) {
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// The leaf certificate the server presented: the verified peer after a successful handshake, else
// the first of the chain it sent (OpenSSL keeps the chain when verification fails).
const X509* presentedCertificate(const SSL* ssl) {
  if (const X509* peer = SSL_get0_peer_certificate(ssl)) {
    return peer;
  }
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  return chain != nullptr && sk_X509_num(chain) > 0 ? sk_X509_value(chain, 0) : nullptr;
}

std::string expectedText(const std::vector<int>& statuses) {
  std::string out = statuses.size() > 1 ? "one of " : "";
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    out += (i ? ", " : "") + std::to_string(statuses[i]);
  }
  return out;
}

// Plain HTTP runs on the connected socket itself.
struct PlainTransport {
  using Stream = tcp::socket&;
  static constexpr bool kTls = false;
  static Stream makeStream(tcp::socket& socket, const HttpProbe::Spec&) { return socket; }
};

// HTTPS: a TLS stream over the attempt's socket, using the probe's shared ssl::context; the
// handshake sets SNI and the name the certificate must match (OpenSSL's own host check, so a
// mismatch is reported as "hostname mismatch" by the verification result).
struct TlsTransport {
  using Stream = asio::ssl::stream<tcp::socket&>;
  static constexpr bool kTls = true;
  static Stream makeStream(tcp::socket& socket, const HttpProbe::Spec& spec) {
    return Stream(socket, *spec.tls);
  }

  template <class Handler>
  static void handshake(Stream& stream, const HttpProbe::Spec& spec, Handler&& handler) {
    SSL* ssl = stream.native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    bool named = false;
    if (spec.tlsNameIsAddress) {
      named = X509_VERIFY_PARAM_set1_ip_asc(param, spec.tlsName.c_str()) == 1;
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      named = SSL_set_tlsext_host_name(ssl, spec.tlsName.c_str()) == 1 &&
              X509_VERIFY_PARAM_set1_host(param, spec.tlsName.c_str(), 0) == 1;
    }
    if (!named) {
      // Never handshake without a name to check: report it as the handshake's failure.
      asio::post(stream.get_executor(), [handler = std::forward<Handler>(handler)]() mutable {
        handler(boost::system::error_code(asio::error::invalid_argument));
      });
      return;
    }
    stream.async_handshake(asio::ssl::stream_base::client, std::forward<Handler>(handler));
  }

  // "certificate verify failed (self-signed certificate)", "wrong version number", …
  static std::string describe(Stream& stream, const boost::system::error_code& ec) {
    std::string out;
    if (ec.category() == asio::error::get_ssl_category()) {
      const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
      out = reason != nullptr ? reason : ec.message();
    } else if (ec == asio::ssl::error::stream_truncated || ec == asio::error::eof) {
      out = "connection closed by the peer";
    } else {
      out = ec.message();
    }
    long verify = SSL_get_verify_result(stream.native_handle());
    if (verify != X509_V_OK) {
      out += " (";
      out += X509_verify_cert_error_string(verify);
      out += ")";
    }
    return out;
  }
};

template <class Transport>
class HttpAttempt final : public detail::ConnectAttempt {
 public:
  HttpAttempt(asio::io_context& io, std::shared_ptr<const HttpProbe::Spec> spec,
              ResultCallback done)
      : ConnectAttempt(io, std::shared_ptr<const Endpoint>(spec, &spec->endpoint), std::move(done)),
        spec_(std::move(spec)),
        stream_(Transport::makeStream(socket_, *spec_)) {
    // Reading is bounded by the 64 KiB cap, not by a declared Content-Length. (Not boost::none:
    // Beast 1.74 compares the length against the optional and a disengaged one always loses.)
    parser_.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser_.skip(spec_->head);
  }

 private:
  void onConnected() override {
    if constexpr (Transport::kTls) {
      setStage(Stage::Handshake);
      Transport::handshake(stream_, *spec_, [self = self<HttpAttempt>()](auto ec) {
        if (self->finished()) {
          return;
        }
        self->certExpiry_ = notAfter(presentedCertificate(self->stream_.native_handle()));
        if (ec) {
          self->fail(core::ProbeFailure::Tls,
                     self->stageLabel() + ": " + Transport::describe(self->stream_, ec));
          return;
        }
        self->writeRequest();
      });
    } else {
      writeRequest();
    }
  }

  void writeRequest() {
    setStage(Stage::Write);
    if (spec_->perAttempt()) {
      request_ = spec_->requestNow();
    }
    asio::async_write(stream_, asio::buffer(spec_->perAttempt() ? request_ : spec_->request),
                      [self = self<HttpAttempt>()](const boost::system::error_code& ec,
                                                   std::size_t) { self->onWritten(ec); });
  }

  void onWritten(const boost::system::error_code& ec) {
    net::wipeString(request_);  // may hold a header_files secret; written (or failed) by now
    if (finished()) {
      return;
    }
    if (ec) {
      failIo(ec);
      return;
    }
    setStage(Stage::Read);
    http::async_read_header(stream_, buffer_, parser_,
                            [self = self<HttpAttempt>()](const boost::system::error_code& ec,
                                                         std::size_t) { self->onHeader(ec); });
  }

  void onHeader(const boost::system::error_code& ec) {
    if (finished()) {
      return;
    }
    if (ec) {
      failRead(ec);
      return;
    }
    int status = static_cast<int>(parser_.get().result_int());
    const auto& expected = spec_->expectStatus;
    if (std::find(expected.begin(), expected.end(), status) == expected.end()) {
      // Decided already: no need to read the body.
      fail(core::ProbeFailure::Status,
           "status " + std::to_string(status) + ", expected " + spec_->expectedText);
      return;
    }
    readBody();
  }

  // Reads the body into body_, growing it geometrically up to kMaxHttpBody: a typical tiny
  // health body costs one small allocation, a huge one never more than 64 KiB.
  void readBody() {
    if (parser_.is_done()) {
      evaluate();
      return;
    }
    std::size_t used = bodySize_;
    if (used == kMaxHttpBody) {
      evaluate();  // truncated: the rest is never read
      return;
    }
    std::size_t chunk = std::min(kMaxHttpBody - used, std::max<std::size_t>(used, 1024));
    body_.resize(used + chunk);
    auto& b = parser_.get().body();
    b.data = body_.data() + used;
    b.size = chunk;
    http::async_read(stream_, buffer_, parser_,
                     [self = self<HttpAttempt>()](const boost::system::error_code& ec,
                                                  std::size_t) { self->onBody(ec); });
  }

  void onBody(boost::system::error_code ec) {
    if (finished()) {
      return;
    }
    bodySize_ = body_.size() - parser_.get().body().size;
    if (ec == http::error::need_buffer) {
      ec = {};  // our buffer is full: make room or stop at the cap
    }
    if (ec) {
      failRead(ec);
      return;
    }
    readBody();
  }

  void evaluate() {
    if (spec_->expectBody) {
      std::string_view body(body_.data(), bodySize_);
      if (body.find(*spec_->expectBody) == std::string_view::npos) {
        std::string shown = spec_->expectBody->substr(0, 64);
        fail(core::ProbeFailure::Body, "body does not contain \"" + shown + "\" (" +
                                           std::to_string(bodySize_) + " bytes read)");
        return;
      }
    }
    if (spec_->expectBodyRegex) {
      re2::StringPiece body(body_.data(), bodySize_);
      if (!re2::RE2::PartialMatch(body, *spec_->expectBodyRegex)) {
        std::string shown = spec_->expectBodyRegex->pattern().substr(0, 64);
        fail(core::ProbeFailure::Body,
             "body does not match /" + shown + "/ (" + std::to_string(bodySize_) + " bytes read)");
        return;
      }
    }
    succeed();
  }

  void failRead(const boost::system::error_code& ec) {
    if (ec == http::error::end_of_stream) {
      fail(core::ProbeFailure::Refused, stageLabel() + ": connection closed before response");
    } else if (ec == http::error::partial_message || ec == asio::ssl::error::stream_truncated) {
      fail(core::ProbeFailure::Refused, stageLabel() + ": connection closed mid-response");
    } else if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
      fail(core::ProbeFailure::Status,
           "malformed HTTP response (" + stageLabel() + "): " + ec.message());
    } else {
      failIo(ec);
    }
  }

  std::shared_ptr<const HttpProbe::Spec> spec_;
  typename Transport::Stream stream_;
  std::string request_;  // signed probes: this attempt's request
  beast::flat_buffer buffer_;
  http::response_parser<http::buffer_body> parser_;
  std::string body_;
  std::size_t bodySize_ = 0;
};

// The probe's one client context: peer verification on, TLS 1.2 at least, and either the
// system's CAs or only those of ca_file.
std::shared_ptr<asio::ssl::context> makeTlsContext(const HttpProbeOptions& o) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_verify_mode(asio::ssl::verify_peer);
  boost::system::error_code ec;
  if (o.caFile) {
    std::string where = "http probe " + o.url.str() + ": ca_file " + *o.caFile + ": ";
    if (std::optional<std::string> problem = net::caFileProblem(*o.caFile)) {
      throw std::invalid_argument(where + *problem);
    }
    context->load_verify_file(*o.caFile, ec);
    if (ec) {
      throw std::invalid_argument(where + "no CA certificate could be read (PEM expected)");
    }
  } else {
    context->set_default_verify_paths(ec);
    if (ec) {
      throw std::invalid_argument("http probe " + o.url.str() +
                                  ": cannot load the system CAs: " + ec.message());
    }
  }
  return context;
}

// SNI and certificate name: the host override without a port or IPv6 brackets, else the URL host.
std::string tlsName(const HttpProbeOptions& o) {
  if (!o.host) {
    return o.url.host;
  }
  std::string name = *o.host;
  if (!name.empty() && name.front() == '[') {
    auto close = name.find(']');
    return name.substr(1, close == std::string::npos ? std::string::npos : close - 1);
  }
  auto colon = name.find(':');
  if (colon != std::string::npos && name.find(':', colon + 1) == std::string::npos) {
    name.resize(colon);
  }
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

}  // namespace

std::string HttpProbe::Spec::requestNow() const {
  if (!perAttempt()) {
    return request;
  }
  std::string out = signing ? signing->head : unsignedHead;
  if (signing) {
    const net::SigV4Credentials credentials =
        signing->source ? signing->source() : signing->credentials;
    net::SigV4Signature signature = net::signV4(signing->request, credentials, signing->scope,
                                                std::chrono::system_clock::now());
    for (const auto& [name, value] : signature.headers_to_add) {
      out.append(name).append(": ").append(value).append("\r\n");
    }
  }
  for (const auto& [name, file] : secretHeaders) {
    net::Secret value = file->current();
    // A file rewritten with a line break would inject headers: the header is left out, and
    // the server's answer (401, say) tells.
    if (isFieldValue(value.reveal())) {
      out.append(name).append(": ").append(value.reveal()).append("\r\n");
    }
  }
  out.append(kLastLine);
  return out;
}

HttpProbe::HttpProbe(asio::io_context& io, HttpProbeOptions options) : io_(io) {
  if (options.expectStatus.empty()) {
    throw std::invalid_argument("http probe " + options.url.str() + ": no expected status");
  }
  auto spec = std::make_shared<Spec>();
  spec->endpoint = Endpoint::make(options.url.host, options.url.port);
  if (options.sign) {
    Spec::Signing signing;
    signing.request = signedTarget(options.url);
    signing.request.method = options.method;
    signing.request.double_encode_path = options.sign->scope.service != "s3";
    std::string target = net::uriEncodePath(signing.request.path);
    if (!signing.request.query.empty()) {
      target += "?" + net::canonicalQuery(signing.request.query);
    }
    // The empty payload's hash, which S3 requires as X-Amz-Content-Sha256 and signs.
    std::string payloadHash = net::sha256Hex("");
    options.headers.emplace_back("X-Amz-Content-Sha256", payloadHash);
    spec->request = buildRequest(options, target);
    signing.head = spec->request.substr(0, spec->request.size() - kLastLine.size());
    signing.request.headers = {{"Host", options.host.value_or(options.url.authority())},
                               {"X-Amz-Content-Sha256", payloadHash}};
    signing.request.payload_hash = payloadHash;
    signing.credentials = std::move(options.sign->credentials);
    signing.source = std::move(options.signCredentials);
    signing.scope = std::move(options.sign->scope);
    spec->signing = std::move(signing);
  } else {
    spec->request = buildRequest(options, options.url.target);
  }
  for (const auto& [name, path] : options.headerFiles) {
    checkHeaderName(options, name);
    std::shared_ptr<net::WatchedSecretFile> file;
    try {
      file = std::make_shared<net::WatchedSecretFile>(path, "header file");
    } catch (const net::CredentialError& e) {
      throw std::invalid_argument("http probe " + options.url.str() + ": header " + name + ": " +
                                  e.what());  // names the file, never its content
    }
    if (!isFieldValue(file->current().reveal())) {
      throw std::invalid_argument("http probe " + options.url.str() + ": header " + name + ": " +
                                  path + ": the value has a line break or control character");
    }
    spec->secretHeaders.emplace_back(name, std::move(file));
  }
  spec->unsignedHead = spec->request.substr(0, spec->request.size() - kLastLine.size());
  if (options.expectBodyRegex) {
    re2::RE2::Options reOptions;
    reOptions.set_log_errors(false);
    auto re = std::make_unique<const re2::RE2>(*options.expectBodyRegex, reOptions);
    if (!re->ok()) {
      throw std::invalid_argument("http probe " + options.url.str() +
                                  ": bad expect_body_regex: " + re->error());
    }
    spec->expectBodyRegex = std::move(re);
  }
  spec->expectedText = expectedText(options.expectStatus);
  spec->expectStatus = std::move(options.expectStatus);
  spec->expectBody = std::move(options.expectBody);
  spec->head = options.method == "HEAD";
  if (options.url.tls()) {
    spec->tls = makeTlsContext(options);
    spec->tlsName = tlsName(options);
    boost::system::error_code ec;
    asio::ip::make_address(spec->tlsName, ec);
    spec->tlsNameIsAddress = !ec;
  } else if (options.caFile) {
    throw std::invalid_argument("http probe " + options.url.str() +
                                ": ca_file applies only to https:// urls");
  }
  spec_ = std::move(spec);
}

HttpProbe::~HttpProbe() {
  cancel();
}

void HttpProbe::start(std::chrono::milliseconds timeout, ResultCallback done) {
  if (spec_->tls) {
    run(std::make_shared<HttpAttempt<TlsTransport>>(io_, spec_, std::move(done)), timeout);
  } else {
    run(std::make_shared<HttpAttempt<PlainTransport>>(io_, spec_, std::move(done)), timeout);
  }
}

void HttpProbe::run(std::shared_ptr<detail::ConnectAttempt> attempt,
                    std::chrono::milliseconds timeout) {
  current_ = attempt;
  attempt->run(timeout);
}

void HttpProbe::cancel() {
  if (auto attempt = current_.lock()) {
    attempt->cancel();
  }
}

}  // namespace planb::probes
