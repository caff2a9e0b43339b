#include "verifier.hpp"

#include <thread>

#include "providers/dns_query.hpp"

namespace planb::daemon {

namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

constexpr auto kQueryTimeout = 1s;
constexpr auto kPollPause = 20ms;  // between two queries of a server that still answers the old

bool answers(const config::HostPort& server, const std::string& name, const std::string& target) {
  auto answer = providers::queryCname(server, name, kQueryTimeout);
  auto* served = std::get_if<providers::ServedRecord>(&answer);
  return served && served->kind == providers::ServedRecord::Kind::Cname && served->target == target;
}

}  // namespace

VerifyReport verifyAnswers(const std::vector<config::HostPort>& servers, const std::string& name,
                           const std::string& target, Steady::time_point started,
                           Steady::time_point deadline) {
  VerifyReport report;
  for (const config::HostPort& server : servers) {
    bool seen = answers(server, name, target);
    while (!seen && Steady::now() < deadline) {
      std::this_thread::sleep_for(kPollPause);
      seen = answers(server, name, target);
    }
    if (!seen) {
      report.unverified.push_back(server.str());
    }
  }
  report.elapsed = Steady::now() - started;
  return report;
}

}  // namespace planb::daemon
