// planbd — keeps public names answering when a cloud vendor fails everywhere at once.

#include <sys/prctl.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "daemon.hpp"

namespace {

constexpr const char* kUsage =
    "usage: planbd [--config PATH] [--check-config]\n"
    "  --config PATH    configuration file (default /etc/planb/planb.toml)\n"
    "  --check-config   validate the configuration, print every error, exit 0 or 1\n"
    "  --version        print the version\n";

}  // namespace

int main(int argc, char** argv) {
  // Not dumpable: no core file with the providers' keys in it, and no ptrace or /proc/PID/mem
  // by other processes of planbd's user. First, before any secret is read.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  // A peer closing a TCP connection (a DNS server, an endpoint) must be an error, not a death.
  std::signal(SIGPIPE, SIG_IGN);
  std::string path = "/etc/planb/planb.toml";
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      path = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      path = arg.substr(std::strlen("--config="));
    } else if (arg == "--check-config") {
      check_only = true;
    } else if (arg == "--version") {
      std::cout << "planbd " << PLANB_VERSION << "\n";
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "planbd: unknown argument '" << arg << "'\n" << kUsage;
      return 2;
    }
  }

  planb::config::Config config;
  try {
    config = planb::daemon::loadAndCheck(path);
  } catch (const planb::config::ConfigErrors& errors) {
    for (const auto& e : errors.errors()) {
      std::cerr << e.format() << "\n";
    }
    std::cerr << "planbd: " << errors.errors().size() << " error(s) in " << path << "\n";
    return 1;
  }
  if (check_only) {
    std::cout << path << ": ok\n";
    return 0;
  }
  planb::daemon::Log log(config.daemon.log_level);
  try {
    planb::daemon::Daemon daemon(std::move(config), log);
    return daemon.run();
  } catch (const std::exception& e) {
    log.error(std::string("fatal: ") + e.what());
    return 1;
  }
}
