// planb_bench_endpoints: many tiny HTTP endpoints in one process, for the probe benchmarks.
//
// Listens on --endpoints sockets on 127.0.0.1 (kernel-chosen ports, or --base-port upwards),
// writes "127.0.0.1:PORT" per line to --ports-file, prints "ready" on stdout, and then answers
// every request on every connection with "200 ok" and closes it: each probe attempt is a fresh
// connection. Runs until SIGTERM/SIGINT. Only ever binds 127.0.0.1.

#include <sys/resource.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace planb::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr std::string_view kResponse =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: "
    "close\r\n\r\nok";

// One accepted connection: read until the end of the request head, answer, close.
class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : socket_(std::move(socket)) {}

  void start() { read(); }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(buffer_.data() + used_, buffer_.size() - used_),
                            [self = shared_from_this()](const boost::system::error_code& ec,
                                                        std::size_t n) { self->onRead(ec, n); });
  }

  void onRead(const boost::system::error_code& ec, std::size_t n) {
    if (ec) {
      return;  // the peer went away: the socket closes with the session
    }
    // Look for the blank line, also across reads (3 bytes of overlap).
    std::size_t from = used_ > 3 ? used_ - 3 : 0;
    used_ += n;
    std::string_view seen(buffer_.data(), used_);
    if (seen.find("\r\n\r\n", from) == std::string_view::npos) {
      if (used_ == buffer_.size()) {
        return;  // an oversized head: drop the connection
      }
      read();
      return;
    }
    asio::async_write(socket_, asio::buffer(kResponse),
                      [self = shared_from_this()](const boost::system::error_code&, std::size_t) {
                        boost::system::error_code ignored;
                        self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
                        self->socket_.close(ignored);
                      });
  }

  tcp::socket socket_;
  std::array<char, 2048> buffer_{};
  std::size_t used_ = 0;
};

class Listener {
 public:
  Listener(asio::io_context& io, std::uint16_t port)
      : acceptor_(io, tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port)) {
    acceptor_.listen(4096);
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) {
        return;
      }
      if (!ec) {
        socket.set_option(tcp::no_delay(true));
        std::make_shared<Session>(std::move(socket))->start();
      }
      accept();  // also after EMFILE and the like: keep serving
    });
  }
  void close() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }

 private:
  tcp::acceptor acceptor_;
};

void raiseFileLimit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  rlimit wanted{1 << 20, 1 << 20};
  if (setrlimit(RLIMIT_NOFILE, &wanted) != 0) {
    limit.rlim_cur = limit.rlim_max;  // not privileged: as far as the hard limit allows
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

int usage() {
  std::cerr << "usage: planb_bench_endpoints --endpoints N --ports-file FILE [--base-port P] "
               "[--threads T]\n";
  return 2;
}

int run(int argc, char** argv) {
  std::size_t endpoints = 0;
  std::string portsFile;
  unsigned basePort = 0;
  unsigned threads = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (i + 1 >= argc) {
      return usage();
    }
    const char* value = argv[++i];
    if (arg == "--endpoints") {
      endpoints = std::strtoul(value, nullptr, 10);
    } else if (arg == "--ports-file") {
      portsFile = value;
    } else if (arg == "--base-port") {
      basePort = static_cast<unsigned>(std::strtoul(value, nullptr, 10));
    } else if (arg == "--threads") {
      threads = std::max(1u, static_cast<unsigned>(std::strtoul(value, nullptr, 10)));
    } else {
      return usage();
    }
  }
  if (endpoints == 0 || portsFile.empty()) {
    return usage();
  }
  raiseFileLimit();
  asio::io_context io(static_cast<int>(threads));
  std::vector<std::unique_ptr<Listener>> listeners;
  listeners.reserve(endpoints);
  std::ofstream out(portsFile);
  for (std::size_t i = 0; i < endpoints; ++i) {
    auto port = static_cast<std::uint16_t>(basePort == 0 ? 0 : basePort + i);
    listeners.push_back(std::make_unique<Listener>(io, port));
    out << "127.0.0.1:" << listeners.back()->port() << "\n";
    listeners.back()->accept();
  }
  out.close();
  if (!out) {
    std::cerr << "planb_bench_endpoints: cannot write " << portsFile << "\n";
    return 1;
  }
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code&, int) {
    for (auto& l : listeners) {
      l->close();
    }
    io.stop();
  });
  std::cout << "ready " << endpoints << std::endl;
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) {
    pool.emplace_back([&] { io.run(); });
  }
  io.run();
  for (auto& t : pool) {
    t.join();
  }
  return 0;
}

}  // namespace
}  // namespace planb::bench

int main(int argc, char** argv) {
  try {
    return planb::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "planb_bench_endpoints: " << e.what() << "\n";
    return 1;
  }
}
