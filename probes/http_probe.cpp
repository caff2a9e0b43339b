#include "probes/http_probe.hpp"

#include <algorithm>
#include <boost/asio/write.hpp>
// GCC 12 reports a false maybe-uninitialized inside Beast 1.74's parser (boost::optional) with
// some flag sets (e.g. sanitizers); the locations are Beast's, so silencing its headers suffices.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#pragma GCC diagnostic pop
#include <cctype>
#include <limits>
#include <stdexcept>
#include <string_view>

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
  bool head = false;  // a HEAD response announces a body it does not send
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

std::string buildRequest(const HttpProbeOptions& o) {
  if (!isToken(o.method)) {
    throw std::invalid_argument("http probe " + o.url.str() + ": bad method \"" + o.method + "\"");
  }
  std::string host = o.host.value_or(o.url.authority());
  if (host.empty() || !isFieldValue(host)) {
    throw std::invalid_argument("http probe " + o.url.str() + ": bad host \"" + host + "\"");
  }
  std::string r;
  r.reserve(160 + o.url.target.size() + host.size());
  r.append(o.method).append(" ").append(o.url.target).append(" HTTP/1.1\r\n");
  r.append("Host: ").append(host).append("\r\n");
  r.append("User-Agent: planb-probe/" PLANB_VERSION "\r\n");
  r.append("Accept: */*\r\n");
  for (const auto& [name, value] : o.headers) {
    for (std::string_view own : {"host", "connection", "content-length", "transfer-encoding"}) {
      if (iequals(name, own)) {
        throw std::invalid_argument("http probe " + o.url.str() + ": header " + name +
                                    " is set by the probe");
      }
    }
    if (!isToken(name) || !isFieldValue(value)) {
      throw std::invalid_argument("http probe " + o.url.str() + ": bad header \"" + name + "\"");
    }
    r.append(name).append(": ").append(value).append("\r\n");
  }
  // A fresh connection per attempt: a probe must test connecting, and closing tells the server.
  r.append("Connection: close\r\n\r\n");
  return r;
}

std::string expectedText(const std::vector<int>& statuses) {
  std::string out = statuses.size() > 1 ? "one of " : "";
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    out += (i ? ", " : "") + std::to_string(statuses[i]);
  }
  return out;
}

// Plain HTTP runs on the connected socket itself. HTTPS will add a transport with
// `using Stream = asio::ssl::stream<tcp::socket&>`, kTls = true, a makeStream taking the probe's
// ssl::context from Spec, and an async handshake setting SNI — HttpAttempt calls it between
// connect and write; resolve, connect, write, read and evaluation stay as they are.
struct PlainTransport {
  using Stream = tcp::socket&;
  static constexpr bool kTls = false;
  static Stream makeStream(tcp::socket& socket, const HttpProbe::Spec&) { return socket; }
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
        if (ec) {
          self->fail(core::ProbeFailure::Tls, self->stageLabel() + ": " + ec.message());
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
    asio::async_write(stream_, asio::buffer(spec_->request),
                      [self = self<HttpAttempt>()](const boost::system::error_code& ec,
                                                   std::size_t) { self->onWritten(ec); });
  }

  void onWritten(const boost::system::error_code& ec) {
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
    succeed();
  }

  void failRead(const boost::system::error_code& ec) {
    if (ec == http::error::end_of_stream) {
      fail(core::ProbeFailure::Refused, stageLabel() + ": connection closed before response");
    } else if (ec == http::error::partial_message) {
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
  beast::flat_buffer buffer_;
  http::response_parser<http::buffer_body> parser_;
  std::string body_;
  std::size_t bodySize_ = 0;
};

}  // namespace

HttpProbe::HttpProbe(asio::io_context& io, HttpProbeOptions options) : io_(io) {
  if (options.url.tls()) {
    throw std::invalid_argument("http probe " + options.url.str() + ": https is not supported yet");
  }
  if (options.expectStatus.empty()) {
    throw std::invalid_argument("http probe " + options.url.str() + ": no expected status");
  }
  auto spec = std::make_shared<Spec>();
  spec->endpoint = Endpoint::make(options.url.host, options.url.port);
  spec->request = buildRequest(options);
  spec->expectedText = expectedText(options.expectStatus);
  spec->expectStatus = std::move(options.expectStatus);
  spec->expectBody = std::move(options.expectBody);
  spec->head = options.method == "HEAD";
  spec_ = std::move(spec);
}

HttpProbe::~HttpProbe() {
  cancel();
}

void HttpProbe::start(std::chrono::milliseconds timeout, ResultCallback done) {
  auto attempt = std::make_shared<HttpAttempt<PlainTransport>>(io_, spec_, std::move(done));
  current_ = attempt;
  attempt->run(timeout);
}

void HttpProbe::cancel() {
  if (auto attempt = current_.lock()) {
    attempt->cancel();
  }
}

}  // namespace planb::probes
