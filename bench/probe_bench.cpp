// planb_probe_bench: planb's probe engine (the real probes::ProbeScheduler driving real
// probes::HttpProbe attempts, results fed into a core::HealthBoard as planbd does) against many
// HTTP endpoints on loopback. Reports probes/s, CPU per 1,000 probes (this process only: the
// endpoints run in another process), schedule lateness p50/p99 and resident memory.
//
//   planb_probe_bench --endpoints-file FILE [options]         endpoints already running
//   planb_probe_bench --spawn-server PATH --endpoints N [...]  starts planb_bench_endpoints
//
// Options: --interval-ms (1000) --timeout-ms (2000) --warmup-s (2) --duration-s (30)
//          --max-in-flight (0: the scheduler's default) --check (exit 1 unless probes/s > 0 and
//          every endpoint was probed successfully at least once).
// Prints a human summary on stderr and one JSON object on stdout.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/health_board.hpp"
#include "core/random.hpp"
#include "net/url.hpp"
#include "probes/http_probe.hpp"
#include "probes/probe_scheduler.hpp"

extern char** environ;

namespace planb::bench {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Options {
  std::string endpointsFile;
  std::string spawnServer;
  std::size_t endpoints = 0;
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds timeout{2000};
  std::chrono::milliseconds warmup{2000};
  std::chrono::milliseconds duration{30000};
  std::size_t maxInFlight = 0;
  long serverPid = 0;  // only to report the endpoint server's CPU beside ours
  bool check = false;
};

double seconds(timeval t) {
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

double cpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// utime + stime of another process (the endpoint server), in seconds; 0 if unknown.
double processCpu(long pid) {
  if (pid <= 0) {
    return 0;
  }
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = all.rfind(')');
  if (close == std::string::npos) {
    return 0;
  }
  std::istringstream fields(all.substr(close + 2));
  std::vector<std::string> f;
  std::string x;
  while (fields >> x) {
    f.push_back(x);
  }
  if (f.size() < 13) {
    return 0;
  }
  // Fields 14 and 15 of proc(5); f[0] is field 3.
  return (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// "VmRSS" / "VmHWM" of /proc/self/status, in KiB.
long statusKib(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  std::size_t n = std::strlen(key);
  while (std::getline(in, line)) {
    if (line.compare(0, n, key) == 0 && line.size() > n && line[n] == ':') {
      return std::strtol(line.c_str() + n + 1, nullptr, 10);
    }
  }
  return -1;
}

void raiseFileLimit() {
  rlimit wanted{1 << 20, 1 << 20};
  if (setrlimit(RLIMIT_NOFILE, &wanted) != 0) {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// planb_bench_endpoints as a child; waits for its "ready" line. Killed by the destructor.
class ServerProcess {
 public:
  ServerProcess(const std::string& path, std::size_t endpoints, const std::string& portsFile) {
    int fds[2];
    if (pipe(fds) != 0) {
      throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::string count = std::to_string(endpoints);
    std::vector<char*> argv = {
        const_cast<char*>(path.c_str()),   const_cast<char*>("--endpoints"),     count.data(),
        const_cast<char*>("--ports-file"), const_cast<char*>(portsFile.c_str()), nullptr};
    int rc = posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
      close(fds[0]);
      throw std::runtime_error("cannot start " + path + ": " + std::strerror(rc));
    }
    // Blocks until the server says ready or exits (EOF); it prints nothing else.
    std::string line;
    char c = 0;
    while (read(fds[0], &c, 1) == 1 && c != '\n') {
      line += c;
    }
    close(fds[0]);
    if (line.rfind("ready", 0) != 0) {
      throw std::runtime_error(path + " did not start");
    }
  }
  ~ServerProcess() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  pid_t pid() const noexcept { return pid_; }

 private:
  pid_t pid_ = -1;
};

std::vector<std::string> readEndpoints(const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    throw std::runtime_error("cannot read " + file);
  }
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) {
      out.push_back(line);
    }
  }
  return out;
}

// Runs the io_context until `until` (never sleeps outside it).
void runUntil(asio::io_context& io, Clock::time_point until) {
  while (Clock::now() < until) {
    if (io.stopped()) {
      io.restart();
    }
    io.run_one_until(until);
  }
}

Options parse(int argc, char** argv) {
  Options o;
  auto ms = [](const char* v) { return std::chrono::milliseconds(std::strtoll(v, nullptr, 10)); };
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--check") {
      o.check = true;
      continue;
    }
    if (i + 1 >= argc) {
      throw std::invalid_argument("missing value for " + std::string(arg));
    }
    const char* v = argv[++i];
    if (arg == "--endpoints-file") {
      o.endpointsFile = v;
    } else if (arg == "--spawn-server") {
      o.spawnServer = v;
    } else if (arg == "--endpoints") {
      o.endpoints = std::strtoul(v, nullptr, 10);
    } else if (arg == "--interval-ms") {
      o.interval = ms(v);
    } else if (arg == "--timeout-ms") {
      o.timeout = ms(v);
    } else if (arg == "--warmup-s") {
      o.warmup = std::chrono::milliseconds(static_cast<long>(std::strtod(v, nullptr) * 1000));
    } else if (arg == "--duration-s") {
      o.duration = std::chrono::milliseconds(static_cast<long>(std::strtod(v, nullptr) * 1000));
    } else if (arg == "--server-pid") {
      o.serverPid = std::strtol(v, nullptr, 10);
    } else if (arg == "--max-in-flight") {
      o.maxInFlight = std::strtoul(v, nullptr, 10);
    } else {
      throw std::invalid_argument("unknown option " + std::string(arg));
    }
  }
  if (o.endpointsFile.empty() == o.spawnServer.empty()) {
    throw std::invalid_argument("give exactly one of --endpoints-file, --spawn-server");
  }
  if (!o.spawnServer.empty() && o.endpoints == 0) {
    throw std::invalid_argument("--spawn-server needs --endpoints N");
  }
  return o;
}

int run(int argc, char** argv) {
  Options o = parse(argc, argv);
  raiseFileLimit();  // before the scheduler: its default cap follows the descriptor limit

  std::optional<ServerProcess> server;
  std::string endpointsFile = o.endpointsFile;
  if (!o.spawnServer.empty()) {
    char pattern[] = "/tmp/planb-bench-ports-XXXXXX";
    int fd = mkstemp(pattern);
    if (fd < 0) {
      throw std::runtime_error("mkstemp: " + std::string(std::strerror(errno)));
    }
    close(fd);
    endpointsFile = pattern;
    server.emplace(o.spawnServer, o.endpoints, endpointsFile);
    o.serverPid = server->pid();
  }
  std::vector<std::string> endpoints = readEndpoints(endpointsFile);
  if (!o.spawnServer.empty()) {
    std::remove(endpointsFile.c_str());
  }
  if (endpoints.empty()) {
    throw std::runtime_error("no endpoints");
  }

  long rssBefore = statusKib("VmRSS");
  asio::io_context io(1);
  core::SystemRandom random;

  // As planbd builds it: one target per endpoint with one probe, 100 targets per vendor.
  std::vector<core::BoardTarget> targets;
  std::vector<core::BoardProbe> boardProbes;
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    std::string name = "t" + std::to_string(i);
    targets.push_back({name, "v" + std::to_string(i / 100), {}});
    boardProbes.push_back({name, "http", "r" + std::to_string(i % 3), {2, 3}, name + "/http"});
  }
  core::HealthBoard board(std::move(targets), std::move(boardProbes));

  std::vector<std::uint32_t> successes(endpoints.size(), 0);
  std::uint64_t failures = 0;
  std::uint64_t windowResults = 0;
  std::uint64_t windowFailures = 0;
  bool inWindow = false;
  std::string firstFailure;
  probes::LatencyHistogram attemptTime;  // how long attempts took (connect to response)
  probes::ProbeScheduler scheduler(
      io, random,
      [&](probes::ProbeId id, const core::ProbeResult& r) {
        board.record(id, r, Clock::now());
        if (r.ok()) {
          ++successes[id];
        } else {
          ++failures;
          if (firstFailure.empty()) {
            firstFailure = r.detail;
          }
        }
        if (inWindow) {
          attemptTime.record(r.latency);
          ++windowResults;
          windowFailures += r.ok() ? 0 : 1;
        }
      },
      probes::SchedulerOptions{.maxInFlight = o.maxInFlight});
  core::ProbeTiming timing;
  timing.interval = o.interval;
  timing.timeout = o.timeout;
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    probes::HttpProbeOptions http;
    http.url = net::parseHttpUrl("http://" + endpoints[i] + "/healthz");
    http.expectBody = "ok";
    scheduler.add(static_cast<probes::ProbeId>(i),
                  std::make_unique<probes::HttpProbe>(io, std::move(http)), timing);
  }
  long rssProbes = statusKib("VmRSS");

  auto started = Clock::now();
  scheduler.start();
  runUntil(io, started + o.warmup);

  // The measured window.
  scheduler.resetStats();
  inWindow = true;
  double cpu0 = cpuSeconds();
  double serverCpu0 = processCpu(o.serverPid);
  auto t0 = Clock::now();
  runUntil(io, t0 + o.duration);
  double cpu = cpuSeconds() - cpu0;
  double serverCpu = processCpu(o.serverPid) - serverCpu0;
  double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  inWindow = false;
  probes::SchedulerStats stats = scheduler.stats();
  scheduler.stop();

  std::size_t probed = 0;
  for (auto s : successes) {
    probed += s > 0 ? 1 : 0;
  }
  double rate = static_cast<double>(windowResults) / wall;
  double cpuPer1000 = windowResults ? cpu * 1000.0 / static_cast<double>(windowResults) : 0;
  double p50 = static_cast<double>(stats.lateness.quantile(0.50).count()) / 1000.0;
  double p99 = static_cast<double>(stats.lateness.quantile(0.99).count()) / 1000.0;
  double lmax = static_cast<double>(stats.lateness.max().count()) / 1000.0;
  long rss = statusKib("VmRSS");
  long hwm = statusKib("VmHWM");

  std::fprintf(stderr,
               "planb probe engine: %zu endpoints, interval %lld ms, window %.1f s\n"
               "  probes/s            %.0f (%llu results, %llu failed)\n"
               "  CPU                 %.3f s = %.4f CPU-s per 1,000 probes (%.1f %% of a core)\n"
               "  lateness            p50 %.3f ms, p99 %.3f ms, max %.3f ms (%llu attempts)\n"
               "  in flight           peak %zu of cap %zu, %llu attempts waited for the cap\n"
               "  attempt duration    p50 %.3f ms, p99 %.3f ms\n"
               "  memory              VmRSS %ld KiB (before probes %ld, with probes built %ld), "
               "VmHWM %ld KiB\n"
               "  endpoints probed ok %zu of %zu\n"
               "  endpoint server     %.1f %% of a core (not counted above)\n",
               endpoints.size(), static_cast<long long>(o.interval.count()), wall, rate,
               static_cast<unsigned long long>(windowResults),
               static_cast<unsigned long long>(windowFailures), cpu, cpuPer1000, 100.0 * cpu / wall,
               p50, p99, lmax, static_cast<unsigned long long>(stats.lateness.count()),
               stats.peakInFlight, scheduler.maxInFlight(),
               static_cast<unsigned long long>(stats.waited),
               static_cast<double>(attemptTime.quantile(0.5).count()) / 1000.0,
               static_cast<double>(attemptTime.quantile(0.99).count()) / 1000.0, rss, rssBefore,
               rssProbes, hwm, probed, endpoints.size(), 100.0 * serverCpu / wall);
  if (!firstFailure.empty()) {
    std::fprintf(stderr, "  first failure       %s\n", firstFailure.c_str());
  }
  std::printf(
      "{\"engine\": \"planb\", \"endpoints\": %zu, \"interval_ms\": %lld, \"window_s\": %.3f, "
      "\"results\": %llu, \"failures\": %llu, \"probes_per_s\": %.1f, \"cpu_s\": %.4f, "
      "\"cpu_s_per_1000\": %.5f, \"lateness_p50_ms\": %.3f, \"lateness_p99_ms\": %.3f, "
      "\"lateness_max_ms\": %.3f, \"peak_in_flight\": %zu, \"max_in_flight\": %zu, "
      "\"waited\": %llu, \"vm_rss_kib\": %ld, \"vm_hwm_kib\": %ld, \"rss_before_probes_kib\": %ld, "
      "\"endpoints_probed\": %zu, \"server_cpu_s\": %.3f}\n",
      endpoints.size(), static_cast<long long>(o.interval.count()), wall,
      static_cast<unsigned long long>(windowResults),
      static_cast<unsigned long long>(windowFailures), rate, cpu, cpuPer1000, p50, p99, lmax,
      stats.peakInFlight, scheduler.maxInFlight(), static_cast<unsigned long long>(stats.waited),
      rss, hwm, rssBefore, probed, serverCpu);
  std::fflush(stdout);

  if (o.check) {
    if (!(rate > 0)) {
      std::fprintf(stderr, "check failed: no probes in the window\n");
      return 1;
    }
    if (probed != endpoints.size()) {
      std::fprintf(stderr, "check failed: %zu of %zu endpoints were never probed successfully\n",
                   endpoints.size() - probed, endpoints.size());
      return 1;
    }
  }
  return 0;
}

}  // namespace
}  // namespace planb::bench

int main(int argc, char** argv) {
  try {
    return planb::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "planb_probe_bench: " << e.what() << "\n";
    return 2;
  }
}
