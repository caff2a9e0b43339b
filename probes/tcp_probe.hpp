#pragma once
// TCP probe: healthy when a connection to host:port is established (then closed at once).

#include <boost/asio/io_context.hpp>
#include <memory>

#include "probes/endpoint.hpp"
#include "probes/probe.hpp"

namespace planb::probes {

namespace detail {
class ConnectAttempt;
}

// Results: success on connect; timeout when the deadline passes first (resolution included);
// dns when the name does not resolve; refused when the connection is refused, reset or the
// network/host is unreachable ("connect 127.0.0.1:8080: Connection refused").
class TcpProbe final : public Probe {
 public:
  TcpProbe(boost::asio::io_context& io, Endpoint endpoint);
  ~TcpProbe() override;  // cancels the attempt in flight
  TcpProbe(const TcpProbe&) = delete;
  TcpProbe& operator=(const TcpProbe&) = delete;

  std::string_view kind() const noexcept override { return "tcp"; }
  void start(std::chrono::milliseconds timeout, ResultCallback done) override;
  void cancel() override;

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<const Endpoint> endpoint_;
  std::weak_ptr<detail::ConnectAttempt> current_;
};

}  // namespace planb::probes
