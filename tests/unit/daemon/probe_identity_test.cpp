#include "probe_identity.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "core/health_board.hpp"

using namespace planb;

namespace {

config::TargetConfig identityTarget() {
  config::TargetConfig t;
  t.name = "web";
  t.vendor = "acme";
  return t;
}

config::ProbeConfig identityProbe(config::ProbeType type) {
  config::ProbeConfig p;
  p.name = "eu";
  p.region = "eu";
  p.type = type;
  p.pos = {"planb.toml", 10, 1};
  switch (type) {
    case config::ProbeType::Http:
      p.http.url = "https://web.example/health";
      break;
    case config::ProbeType::Tcp:
      p.tcp.address = {"192.0.2.10", 443};
      break;
    case config::ProbeType::Dns:
      p.dns.server = {"192.0.2.53", 53};
      p.dns.query_name = "web.example.";
      break;
    case config::ProbeType::Exec:
      p.exec.command = {"/usr/local/bin/check", "--quick"};
      break;
  }
  return p;
}

// Whether a reload from `before` to `after` keeps the probe's verdict: the old board has seen the
// probe healthy, the new board adopts it, as Daemon::reload does.
bool reloadKeepsHealth(const config::ProbeConfig& before, const config::ProbeConfig& after) {
  const config::TargetConfig target = identityTarget();
  auto board = [&](const config::ProbeConfig& p) {
    return core::HealthBoard({{target.name, target.vendor, {}}},
                             {{target.name,
                               p.name,
                               p.region,
                               {p.timing.rise, p.timing.fall},
                               daemon::probeIdentity(target, p)}});
  };
  core::HealthBoard old_board = board(before);
  const core::Instant now{};
  for (std::uint32_t i = 0; i < before.timing.rise; ++i) {
    old_board.record(0, core::ProbeResult::success({}), now);
  }
  REQUIRE(old_board.probeHealth(0) == core::Health::Healthy);
  core::HealthBoard new_board = board(after);
  new_board.adopt(old_board, now);
  return new_board.probeHealth(0) == core::Health::Healthy;
}

using ProbeEdit = std::function<void(config::ProbeConfig&)>;

// Each edit, applied alone to a probe of `type`, must make a new probe that starts over.
void checkEachEditStartsOver(config::ProbeType type, const std::vector<ProbeEdit>& edits) {
  const config::ProbeConfig before = identityProbe(type);
  for (std::size_t i = 0; i < edits.size(); ++i) {
    CAPTURE(i);
    config::ProbeConfig after = before;
    edits[i](after);
    CHECK_FALSE(reloadKeepsHealth(before, after));
  }
}

}  // namespace

TEST_CASE("a reload that leaves a probe as it was keeps its health, wherever it is written") {
  for (auto type : {config::ProbeType::Http, config::ProbeType::Tcp, config::ProbeType::Dns,
                    config::ProbeType::Exec}) {
    CAPTURE(static_cast<int>(type));
    config::ProbeConfig before = identityProbe(type);
    config::ProbeConfig after = before;
    after.pos = {"planb.toml", 42, 3};
    CHECK(reloadKeepsHealth(before, after));
    CHECK(daemon::probeIdentity(identityTarget(), before) ==
          daemon::probeIdentity(identityTarget(), after));
  }
}

TEST_CASE("a reload that changes any setting of an http probe starts it over") {
  checkEachEditStartsOver(
      config::ProbeType::Http,
      {
          [](auto& p) { p.http.url = "https://web.example/ready"; },
          [](auto& p) {
            p.http.expect_status = {200, 204};
          },
          [](auto& p) { p.http.expect_body = "ok"; },
          [](auto& p) { p.http.expect_body = ""; },  // set but empty is not unset
          [](auto& p) { p.http.expect_body_regex = "^ok$"; },
          [](auto& p) { p.http.method = "HEAD"; },
          [](auto& p) { p.http.host = "origin.example"; },
          [](auto& p) {
            p.http.headers = {{"X-Probe", "planb"}};
          },
          [](auto& p) {
            p.http.header_files = {{"Authorization", "/etc/planb/probe-auth"}};
          },
          [](auto& p) { p.http.ca_file = "/etc/planb/ca.pem"; },
          [](auto& p) {
            p.http.sign = config::SigV4ProbeSettings{"eu-west-1", "s3", "/etc/planb/id",
                                                     "/etc/planb/secret", std::nullopt};
          },
          [](auto& p) { p.timing.interval = std::chrono::milliseconds(5000); },
          [](auto& p) { p.region = "us"; },
      });
}

TEST_CASE("a reload that changes the signing of an http probe starts it over") {
  config::ProbeConfig before = identityProbe(config::ProbeType::Http);
  before.http.sign = config::SigV4ProbeSettings{"eu-west-1", "s3", "/etc/planb/id",
                                                "/etc/planb/secret", std::nullopt};
  config::ProbeConfig after = before;
  after.http.sign->session_token_file = "/etc/planb/token";
  CHECK_FALSE(reloadKeepsHealth(before, after));
  after = before;
  after.http.sign->region = "us-east-1";
  CHECK_FALSE(reloadKeepsHealth(before, after));
}

TEST_CASE("a reload that changes any setting of a tcp probe starts it over") {
  checkEachEditStartsOver(config::ProbeType::Tcp,
                          {
                              [](auto& p) { p.tcp.address.host = "192.0.2.11"; },
                              [](auto& p) { p.tcp.address.port = 8443; },
                              [](auto& p) { p.timing.timeout = std::chrono::milliseconds(300); },
                              [](auto& p) { p.timing.rise = 5; },
                          });
}

TEST_CASE("a reload that changes any setting of a dns probe starts it over") {
  checkEachEditStartsOver(config::ProbeType::Dns,
                          {
                              [](auto& p) {
                                p.dns.server = {"198.51.100.53", 53};
                              },
                              [](auto& p) { p.dns.server.port = 5353; },
                              [](auto& p) { p.dns.query_name = "api.example."; },
                              [](auto& p) { p.dns.query_type = "AAAA"; },
                              [](auto& p) { p.dns.expect_rcode = "NXDOMAIN"; },
                              [](auto& p) { p.dns.expect_answer = "192\\.0\\.2\\..*"; },
                          });
}

TEST_CASE("a reload that changes the command of an exec probe starts it over") {
  checkEachEditStartsOver(config::ProbeType::Exec,
                          {
                              [](auto& p) { p.exec.command = {"/usr/local/bin/check"}; },
                              [](auto& p) { p.exec.command[1] = "--full"; },
                              // Same characters, split differently: another argv.
                              [](auto& p) { p.exec.command = {"/usr/local/bin/check --quick"}; },
                          });
}

TEST_CASE("a reload that moves a probe to another target or vendor starts it over") {
  const config::ProbeConfig probe = identityProbe(config::ProbeType::Tcp);
  config::TargetConfig other = identityTarget();
  other.vendor = "globex";
  CHECK(daemon::probeIdentity(identityTarget(), probe) != daemon::probeIdentity(other, probe));
  other = identityTarget();
  other.name = "api";
  CHECK(daemon::probeIdentity(identityTarget(), probe) != daemon::probeIdentity(other, probe));
}
