// planb_bench_blackbox_driver: drives prometheus-blackbox-exporter the way Prometheus does —
// GET /probe?module=…&target=… for every endpoint once per interval, each target on its own
// phase, no overlapping scrapes of one target, over a pool of keep-alive connections — and
// measures the exporter's CPU (from /proc/PID/stat: the exporter only, never this driver).
//
//   planb_bench_blackbox_driver --exporter 127.0.0.1:PORT --pid PID --endpoints-file FILE
//       [--module http_2xx] [--interval-ms 1000] [--warmup-s 2] [--duration-s 30]
//       [--connections 256] [--scrape-timeout-s 2]
// Prints a human summary on stderr and one JSON object on stdout.

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#pragma GCC diagnostic pop
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace planb::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string exporter;
  long pid = 0;
  std::string endpointsFile;
  std::string module = "http_2xx";
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds warmup{2000};
  std::chrono::milliseconds duration{30000};
  std::size_t connections = 256;
  double scrapeTimeout = 2;
};

std::string urlEncode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// utime + stime of a process, in seconds.
double processCpu(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = all.rfind(')');
  if (close == std::string::npos) {
    throw std::runtime_error("cannot read /proc/" + std::to_string(pid) + "/stat");
  }
  std::istringstream fields(all.substr(close + 2));
  std::vector<std::string> f;
  std::string x;
  while (fields >> x) {
    f.push_back(x);
  }
  // Fields 14 and 15 of proc(5); f[0] is field 3.
  double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return (std::stod(f.at(11)) + std::stod(f.at(12))) / ticks;
}

long statusKib(long pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) {
      return std::strtol(line.c_str() + key.size() + 1, nullptr, 10);
    }
  }
  return -1;
}

class Driver {
 public:
  Driver(asio::io_context& io, const Options& o, const std::vector<std::string>& endpoints)
      : io_(io), o_(o), tick_(io) {
    auto colon = o.exporter.rfind(':');
    exporter_ = tcp::endpoint(asio::ip::make_address(o.exporter.substr(0, colon)),
                              static_cast<unsigned short>(std::stoi(o.exporter.substr(colon + 1))));
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<long> phase(0, std::chrono::microseconds(o.interval).count() - 1);
    for (const std::string& e : endpoints) {
      Target t;
      t.request = "GET /probe?module=" + o.module +
                  "&target=" + urlEncode("http://" + e + "/healthz") +
                  " HTTP/1.1\r\nHost: " + o.exporter +
                  "\r\nUser-Agent: Prometheus/2.42.0\r\nAccept: text/plain;version=0.0.4\r\n"
                  "X-Prometheus-Scrape-Timeout-Seconds: " +
                  std::to_string(o.scrapeTimeout) + "\r\n\r\n";
      t.phase = std::chrono::microseconds(phase(rng));
      targets_.push_back(std::move(t));
    }
    order_.resize(targets_.size());
    for (std::size_t i = 0; i < order_.size(); ++i) {
      order_[i] = i;
    }
    std::sort(order_.begin(), order_.end(),
              [&](std::size_t a, std::size_t b) { return targets_[a].phase < targets_[b].phase; });
    for (std::size_t i = 0; i < o.connections; ++i) {
      auto c = std::make_shared<Conn>(io);
      c->socket.connect(exporter_);
      c->socket.set_option(tcp::no_delay(true));
      idle_.push_back(c);
    }
  }

  void start() {
    cycle_ = Clock::now();
    next_ = 0;
    arm();
  }
  void stop() {
    stopped_ = true;
    tick_.cancel();
  }

  struct Counts {
    std::uint64_t results = 0, success = 0, failed = 0, errors = 0, skipped = 0;
  };
  Counts counts;
  std::string firstFailure;

 private:
  struct Target {
    std::string request;
    std::chrono::microseconds phase{};
    bool busy = false;  // scraping or queued for a connection
  };
  struct Conn {
    explicit Conn(asio::io_context& io) : socket(io) {}
    tcp::socket socket;
    beast::flat_buffer buffer;
    std::optional<http::response_parser<http::string_body>> parser;
    std::size_t target = 0;
  };

  Clock::time_point dueOf(std::size_t k) const { return cycle_ + targets_[order_[k]].phase; }

  void arm() {
    if (stopped_) {
      return;
    }
    tick_.expires_at(dueOf(next_));
    tick_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopped_) {
        return;
      }
      auto now = Clock::now();
      while (dueOf(next_) <= now) {
        dispatch(order_[next_]);
        if (++next_ == order_.size()) {
          next_ = 0;
          cycle_ += o_.interval;
        }
      }
      arm();
    });
  }

  void dispatch(std::size_t target) {
    Target& t = targets_[target];
    if (t.busy) {
      ++counts.skipped;  // Prometheus never overlaps scrapes of one target either
      return;
    }
    t.busy = true;
    if (idle_.empty()) {
      waiting_.push_back(target);
      return;
    }
    auto c = idle_.back();
    idle_.pop_back();
    send(c, target);
  }

  void send(const std::shared_ptr<Conn>& c, std::size_t target) {
    c->target = target;
    c->parser.emplace();
    c->parser->body_limit(1 << 20);
    asio::async_write(c->socket, asio::buffer(targets_[target].request),
                      [this, c](const boost::system::error_code& ec, std::size_t) {
                        if (ec) {
                          finish(c, false, "write: " + ec.message(), true);
                          return;
                        }
                        http::async_read(
                            c->socket, c->buffer, *c->parser,
                            [this, c](const boost::system::error_code& ec, std::size_t) {
                              if (ec) {
                                finish(c, false, "read: " + ec.message(), true);
                                return;
                              }
                              const std::string& body = c->parser->get().body();
                              bool ok = body.find("\nprobe_success 1") != std::string::npos;
                              finish(c, ok, ok ? "" : body.substr(0, 400), false);
                            });
                      });
  }

  void finish(const std::shared_ptr<Conn>& c, bool ok, const std::string& why, bool broken) {
    targets_[c->target].busy = false;
    ++counts.results;
    if (ok) {
      ++counts.success;
    } else {
      ++counts.failed;
      if (firstFailure.empty()) {
        firstFailure = why;
      }
    }
    if (broken) {
      ++counts.errors;  // the connection is broken: open a new one
      boost::system::error_code ignored;
      c->socket.close(ignored);
      c->buffer.clear();
      c->socket.connect(exporter_, ignored);
      if (ignored) {
        return;  // the exporter is gone: drop this connection
      }
    }
    if (stopped_) {
      return;
    }
    if (!waiting_.empty()) {
      std::size_t next = waiting_.front();
      waiting_.pop_front();
      send(c, next);
    } else {
      idle_.push_back(c);
    }
  }

  asio::io_context& io_;
  const Options& o_;
  tcp::endpoint exporter_;
  asio::steady_timer tick_;
  std::vector<Target> targets_;
  std::vector<std::size_t> order_;  // targets by phase
  std::size_t next_ = 0;
  Clock::time_point cycle_;
  std::vector<std::shared_ptr<Conn>> idle_;
  std::deque<std::size_t> waiting_;
  bool stopped_ = false;
};

void runUntil(asio::io_context& io, Clock::time_point until) {
  while (Clock::now() < until) {
    if (io.stopped()) {
      io.restart();
    }
    io.run_one_until(until);
  }
}

int run(int argc, char** argv) {
  Options o;
  std::string missing;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view arg = argv[i];
    const char* v = argv[i + 1];
    if (arg == "--exporter") {
      o.exporter = v;
    } else if (arg == "--pid") {
      o.pid = std::strtol(v, nullptr, 10);
    } else if (arg == "--endpoints-file") {
      o.endpointsFile = v;
    } else if (arg == "--module") {
      o.module = v;
    } else if (arg == "--interval-ms") {
      o.interval = std::chrono::milliseconds(std::strtoll(v, nullptr, 10));
    } else if (arg == "--warmup-s") {
      o.warmup = std::chrono::milliseconds(static_cast<long>(std::strtod(v, nullptr) * 1000));
    } else if (arg == "--duration-s") {
      o.duration = std::chrono::milliseconds(static_cast<long>(std::strtod(v, nullptr) * 1000));
    } else if (arg == "--connections") {
      o.connections = std::strtoul(v, nullptr, 10);
    } else if (arg == "--scrape-timeout-s") {
      o.scrapeTimeout = std::strtod(v, nullptr);
    } else {
      std::cerr << "unknown option " << arg << "\n";
      return 2;
    }
  }
  if (o.exporter.empty() || o.pid <= 0 || o.endpointsFile.empty()) {
    std::cerr << "usage: planb_bench_blackbox_driver --exporter HOST:PORT --pid PID "
                 "--endpoints-file FILE [...]\n";
    return 2;
  }
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);

  std::vector<std::string> endpoints;
  {
    std::ifstream in(o.endpointsFile);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) {
        endpoints.push_back(line);
      }
    }
  }
  asio::io_context io(1);
  Driver driver(io, o, endpoints);
  driver.start();
  runUntil(io, Clock::now() + o.warmup);
  Driver::Counts before = driver.counts;
  double cpu0 = processCpu(o.pid);
  auto t0 = Clock::now();
  runUntil(io, t0 + o.duration);
  double cpu = processCpu(o.pid) - cpu0;
  double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  Driver::Counts after = driver.counts;
  driver.stop();

  auto results = after.results - before.results;
  auto failed = after.failed - before.failed;
  auto skipped = after.skipped - before.skipped;
  double rate = static_cast<double>(results) / wall;
  double per1000 = results ? cpu * 1000.0 / static_cast<double>(results) : 0;
  long rss = statusKib(o.pid, "VmRSS");
  long hwm = statusKib(o.pid, "VmHWM");
  std::fprintf(stderr,
               "blackbox_exporter (%s): %zu endpoints, interval %lld ms, window %.1f s\n"
               "  probes/s            %.0f (%llu results, %llu failed, %llu scrapes skipped: "
               "the previous one of that target still running)\n"
               "  CPU                 %.3f s = %.4f CPU-s per 1,000 probes (%.1f %% of a core)\n"
               "  memory              VmRSS %ld KiB, VmHWM %ld KiB\n",
               o.module.c_str(), endpoints.size(), static_cast<long long>(o.interval.count()), wall,
               rate, static_cast<unsigned long long>(results),
               static_cast<unsigned long long>(failed), static_cast<unsigned long long>(skipped),
               cpu, per1000, 100.0 * cpu / wall, rss, hwm);
  if (!driver.firstFailure.empty()) {
    std::fprintf(stderr, "  first failure       %s\n", driver.firstFailure.c_str());
  }
  std::printf(
      "{\"engine\": \"blackbox_exporter\", \"endpoints\": %zu, \"interval_ms\": %lld, "
      "\"window_s\": %.3f, \"results\": %llu, \"failures\": %llu, \"skipped\": %llu, "
      "\"probes_per_s\": %.1f, \"cpu_s\": %.4f, \"cpu_s_per_1000\": %.5f, \"vm_rss_kib\": %ld, "
      "\"vm_hwm_kib\": %ld}\n",
      endpoints.size(), static_cast<long long>(o.interval.count()), wall,
      static_cast<unsigned long long>(results), static_cast<unsigned long long>(failed),
      static_cast<unsigned long long>(skipped), rate, cpu, per1000, rss, hwm);
  return 0;
}

}  // namespace
}  // namespace planb::bench

int main(int argc, char** argv) {
  try {
    return planb::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "planb_bench_blackbox_driver: " << e.what() << "\n";
    return 1;
  }
}
