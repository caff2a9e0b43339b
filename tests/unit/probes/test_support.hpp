#pragma once
// Shared helpers of the probe tests: bounded io_context runs, a scripted Random, a loopback
// server with scripted behaviour. Everything listens on 127.0.0.1, port 0.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/probe_result.hpp"
#include "core/random.hpp"

namespace planb::probes::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Runs the io_context until `done()` holds or `limit` passes; never sleeps. True if done.
template <class Pred>
bool runUntil(asio::io_context& io, Pred done, std::chrono::milliseconds limit = 5000ms) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    if (io.stopped()) {
      io.restart();
    }
    io.run_one_until(deadline);
  }
  return true;
}

// Runs the io_context for exactly `d` of wall time (handlers included).
inline void runFor(asio::io_context& io, std::chrono::milliseconds d) {
  auto deadline = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) {
      io.restart();
    }
    io.run_one_until(deadline);
  }
}

// Returns the given values in turn, then repeats the last.
class SequenceRandom final : public core::Random {
 public:
  explicit SequenceRandom(std::vector<double> values) : values_(std::move(values)) {}
  double uniform() override {
    double v = values_[std::min(next_, values_.size() - 1)];
    ++next_;
    return v;
  }
  std::size_t drawn() const { return next_; }

 private:
  std::vector<double> values_;
  std::size_t next_ = 0;
};

// A TCP server on 127.0.0.1:0 that, per connection, reads the request head and then follows its
// script: answer with `response` (after `delay`), then close — or keep the connection open.
class LoopbackServer {
 public:
  enum class Mode {
    Respond,           // read the request, write `response`, close
    RespondAndHang,    // read the request, write `response`, keep the connection open
    Silent,            // accept, never answer, keep the connection open
    CloseImmediately,  // accept and close at once
  };

  LoopbackServer(asio::io_context& io, Mode mode, std::string response = {},
                 std::chrono::milliseconds delay = 0ms)
      : io_(io),
        acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        mode_(mode),
        response_(std::move(response)),
        delay_(delay) {
    accept();
  }
  ~LoopbackServer() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto& s : sessions_) {
      s->socket.close(ignored);
      s->timer.cancel();
    }
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }
  int accepted() const { return accepted_; }
  const std::string& lastRequest() const { return lastRequest_; }

  static std::string http(int status, const std::string& body,
                          const std::string& extraHeaders = {}) {
    return "HTTP/1.1 " + std::to_string(status) +
           " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extraHeaders + "\r\n" +
           body;
  }

 private:
  struct Session {
    explicit Session(asio::io_context& io) : socket(io), timer(io) {}
    tcp::socket socket;
    asio::steady_timer timer;
    asio::streambuf in;
  };

  void accept() {
    auto session = std::make_shared<Session>(io_);
    acceptor_.async_accept(session->socket, [this, session](const boost::system::error_code& ec) {
      if (ec) {
        return;  // closed: `this` may be gone
      }
      ++accepted_;
      sessions_.push_back(session);
      serve(session);
      accept();
    });
  }

  void serve(const std::shared_ptr<Session>& s) {
    if (mode_ == Mode::CloseImmediately) {
      s->socket.close();
      return;
    }
    if (mode_ == Mode::Silent) {
      return;
    }
    asio::async_read_until(
        s->socket, s->in, "\r\n\r\n",
        [this, s](const boost::system::error_code& ec, std::size_t n) {
          if (ec) {
            return;
          }
          lastRequest_.assign(asio::buffers_begin(s->in.data()),
                              asio::buffers_begin(s->in.data()) + static_cast<std::ptrdiff_t>(n));
          s->timer.expires_after(delay_);
          s->timer.async_wait([this, s](const boost::system::error_code& ec) {
            if (ec) {
              return;
            }
            asio::async_write(s->socket, asio::buffer(response_),
                              [this, s](const boost::system::error_code&, std::size_t) {
                                if (mode_ == Mode::Respond) {
                                  boost::system::error_code ignored;
                                  s->socket.shutdown(tcp::socket::shutdown_send, ignored);
                                  s->socket.close(ignored);
                                }
                              });
          });
        });
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  Mode mode_;
  std::string response_;
  std::chrono::milliseconds delay_;
  std::vector<std::shared_ptr<Session>> sessions_;  // kept open until the server goes
  int accepted_ = 0;
  std::string lastRequest_;
};

// A port on 127.0.0.1 with nothing listening: bound to learn a free port, then closed.
inline std::uint16_t closedPort(asio::io_context& io) {
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto port = a.local_endpoint().port();
  a.close();
  return port;
}

// Collects the results of one probe's attempts.
struct Results {
  std::vector<core::ProbeResult> all;
  auto callback() {
    return [this](core::ProbeResult r) { all.push_back(std::move(r)); };
  }
  bool any() const { return !all.empty(); }
};

}  // namespace planb::probes::test
