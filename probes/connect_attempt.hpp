#pragma once
// The part every TCP-based probe attempt shares: one overall deadline, asynchronous resolution
// (skipped for IP literals), connect, failure classification and the exactly-once report.
// Protocol attempts (TCP, HTTP, later TLS) derive and continue from onConnected().

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/probe_result.hpp"
#include "probes/endpoint.hpp"
#include "probes/probe.hpp"
#include "probes/single_result.hpp"

namespace planb::probes::detail {

class ConnectAttempt : public std::enable_shared_from_this<ConnectAttempt> {
 public:
  // `endpoint` is shared with the probe so the attempt may outlive it (a destroyed probe
  // cancels its attempt, whose handlers still run once).
  ConnectAttempt(boost::asio::io_context& io, std::shared_ptr<const Endpoint> endpoint,
                 ResultCallback done);
  virtual ~ConnectAttempt() = default;
  ConnectAttempt(const ConnectAttempt&) = delete;
  ConnectAttempt& operator=(const ConnectAttempt&) = delete;

  // Arms the deadline and starts resolving or connecting. Call once, right after construction.
  void run(std::chrono::milliseconds timeout);

  // Ends the attempt now: I/O is aborted and `done` is posted with reason internal ("cancelled").
  // No-op once the attempt has reported.
  void cancel();

 protected:
  // What the attempt is doing: names the step in timeout and error details.
  enum class Stage { Resolve, Connect, Handshake, Write, Read };

  // Called once connected; the derived attempt continues from here on socket_.
  virtual void onConnected() = 0;

  // True once the attempt has reported; every handler checks it first and returns.
  bool finished() const noexcept { return !result_.pending(); }
  void setStage(Stage stage) noexcept { stage_ = stage; }

  void succeed();
  void fail(core::ProbeFailure why, std::string detail);
  // Reports a system/Asio error of the current stage: dns while resolving, refused otherwise.
  void failIo(const boost::system::error_code& ec);
  // "connect 127.0.0.1:8080" — the current step and the peer, as details start.
  std::string stageLabel() const;

  template <class Derived>
  std::shared_ptr<Derived> self() {
    return std::static_pointer_cast<Derived>(shared_from_this());
  }

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::socket socket_;
  // Copied into the result, whatever it is: set by TLS attempts once the peer's certificate is
  // seen.
  std::optional<std::chrono::system_clock::time_point> certExpiry_;

 private:
  void connect(const boost::asio::ip::tcp::endpoint& peer);
  void onResolved(const boost::system::error_code& ec,
                  const boost::asio::ip::tcp::resolver::results_type& results);
  void onConnect(const boost::system::error_code& ec);
  void onDeadline();
  void finish(core::ProbeResult result);
  void abortIo() noexcept;
  std::chrono::microseconds elapsed() const;

  std::shared_ptr<const Endpoint> endpoint_;
  SingleResult result_;
  boost::asio::steady_timer deadline_;
  std::optional<boost::asio::ip::tcp::resolver> resolver_;  // only for names
  std::optional<boost::asio::ip::tcp::endpoint> peer_;      // the address being connected to
  std::chrono::steady_clock::time_point started_;
  std::chrono::milliseconds timeout_{0};
  Stage stage_ = Stage::Resolve;
};

}  // namespace planb::probes::detail
