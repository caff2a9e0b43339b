#include "probes/connect_attempt.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <sstream>

namespace planb::probes::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

ConnectAttempt::ConnectAttempt(asio::io_context& io, std::shared_ptr<const Endpoint> endpoint,
                               ResultCallback done)
    : io_(io),
      socket_(io),
      endpoint_(std::move(endpoint)),
      result_(std::move(done)),
      deadline_(io) {}

void ConnectAttempt::run(std::chrono::milliseconds timeout) {
  started_ = std::chrono::steady_clock::now();
  timeout_ = std::max(timeout, std::chrono::milliseconds{0});
  // One deadline for the whole attempt: resolve + connect + write + read together.
  deadline_.expires_at(started_ + timeout_);
  deadline_.async_wait(
      [self = shared_from_this()](const boost::system::error_code&) { self->onDeadline(); });

  if (endpoint_->address) {
    connect(tcp::endpoint(*endpoint_->address, endpoint_->port));
    return;
  }
  stage_ = Stage::Resolve;
  resolver_.emplace(io_);
  resolver_->async_resolve(endpoint_->host, endpoint_->service, tcp::resolver::numeric_service,
                           [self = shared_from_this()](const boost::system::error_code& ec,
                                                       const tcp::resolver::results_type& results) {
                             self->onResolved(ec, results);
                           });
}

void ConnectAttempt::onResolved(const boost::system::error_code& ec,
                                const tcp::resolver::results_type& results) {
  if (finished()) {
    return;
  }
  if (ec) {
    failIo(ec);
    return;
  }
  stage_ = Stage::Connect;
  // Try each address in turn, remembering the current one for details.
  asio::async_connect(
      socket_, results,
      [this](const boost::system::error_code&, const tcp::endpoint& next) {
        peer_ = next;
        return true;
      },
      [self = shared_from_this()](const boost::system::error_code& ec, const tcp::endpoint&) {
        self->onConnect(ec);
      });
}

void ConnectAttempt::connect(const tcp::endpoint& peer) {
  stage_ = Stage::Connect;
  peer_ = peer;
  socket_.async_connect(peer, [self = shared_from_this()](const boost::system::error_code& ec) {
    self->onConnect(ec);
  });
}

void ConnectAttempt::onConnect(const boost::system::error_code& ec) {
  if (finished()) {
    return;
  }
  if (ec) {
    failIo(ec);
    return;
  }
  onConnected();
}

void ConnectAttempt::onDeadline() {
  if (finished()) {
    return;  // the attempt ended first; this is the cancelled (or lost) wait
  }
  static constexpr std::string_view kDoing[] = {"resolving", "connecting to", "in handshake with",
                                                "writing request to", "reading response from"};
  std::string what = stage_ == Stage::Resolve ? endpoint_->host : endpoint_->display;
  fail(core::ProbeFailure::Timeout, "timeout after " + std::to_string(timeout_.count()) + "ms " +
                                        std::string(kDoing[static_cast<int>(stage_)]) + " " + what);
}

void ConnectAttempt::cancel() {
  ResultCallback done = result_.take();
  if (!done) {
    return;
  }
  abortIo();
  // Posted, never called from inside cancel(): the caller may be iterating its own state.
  asio::post(io_, [done = std::move(done), latency = elapsed()]() {
    done(core::ProbeResult::failed(core::ProbeFailure::Internal, "cancelled", latency));
  });
}

void ConnectAttempt::succeed() {
  finish(core::ProbeResult::success({}));
}

void ConnectAttempt::fail(core::ProbeFailure why, std::string detail) {
  finish(core::ProbeResult::failed(why, std::move(detail)));
}

void ConnectAttempt::failIo(const boost::system::error_code& ec) {
  fail(stage_ == Stage::Resolve ? core::ProbeFailure::Dns : core::ProbeFailure::Refused,
       stageLabel() + ": " + ec.message());
}

std::string ConnectAttempt::stageLabel() const {
  static constexpr std::string_view kVerb[] = {"resolve", "connect", "tls handshake with", "write",
                                               "read"};
  std::string out(kVerb[static_cast<int>(stage_)]);
  out += ' ';
  if (stage_ == Stage::Resolve) {
    return out + endpoint_->host;
  }
  out += endpoint_->display;
  if (!endpoint_->address && peer_) {
    // A name may have several addresses: say which one failed.
    std::ostringstream addr;
    addr << *peer_;
    out += " (" + addr.str() + ")";
  }
  return out;
}

void ConnectAttempt::finish(core::ProbeResult result) {
  ResultCallback done = result_.take();
  if (!done) {
    return;  // lost a race (e.g. completion vs deadline): the first report stands
  }
  // Clean up before reporting: `done` may start the next attempt or destroy the probe.
  abortIo();
  result.latency = elapsed();
  result.cert_expiry = certExpiry_;
  done(std::move(result));
}

void ConnectAttempt::abortIo() noexcept {
  deadline_.cancel();
  if (resolver_) {
    resolver_->cancel();
  }
  boost::system::error_code ignored;
  socket_.close(ignored);
}

std::chrono::microseconds ConnectAttempt::elapsed() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               started_);
}

}  // namespace planb::probes::detail
