#include "probes/tcp_probe.hpp"

#include "probes/connect_attempt.hpp"

namespace planb::probes {
namespace {

class TcpAttempt final : public detail::ConnectAttempt {
 public:
  using ConnectAttempt::ConnectAttempt;

 private:
  // Connected is all a TCP probe asks; finishing closes the socket.
  void onConnected() override { succeed(); }
};

}  // namespace

TcpProbe::TcpProbe(boost::asio::io_context& io, Endpoint endpoint)
    : io_(io), endpoint_(std::make_shared<const Endpoint>(std::move(endpoint))) {}

TcpProbe::~TcpProbe() {
  cancel();
}

void TcpProbe::start(std::chrono::milliseconds timeout, ResultCallback done) {
  auto attempt = std::make_shared<TcpAttempt>(io_, endpoint_, std::move(done));
  current_ = attempt;
  attempt->run(timeout);
}

void TcpProbe::cancel() {
  if (auto attempt = current_.lock()) {
    attempt->cancel();
  }
}

}  // namespace planb::probes
