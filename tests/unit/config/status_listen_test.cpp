// [daemon] status_listen: where the read-only status page is served, when not on metrics_listen.

#include <doctest/doctest.h>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace planb::config {
namespace {

using testing::checkErrors;
using testing::errorsOf;
using testing::load;

TEST_CASE("status_listen is optional: without it the page is on metrics_listen") {
  CHECK(load("").daemon.status_listen.empty());
  CHECK(load("[daemon]\nmetrics_listen = \"127.0.0.1:9100\"\n").daemon.status_listen.empty());
}

TEST_CASE("status_listen takes host:port, IPv6 in brackets, stored canonical") {
  CHECK(load("[daemon]\nstatus_listen = \"127.0.0.1:8080\"\n").daemon.status_listen ==
        "127.0.0.1:8080");
  CHECK(load("[daemon]\nstatus_listen = \"[::1]:8080\"\n").daemon.status_listen == "[::1]:8080");
  CHECK(load("[daemon]\nstatus_listen = \"status.internal:80\"\n").daemon.status_listen ==
        "status.internal:80");
  Config config =
      load("[daemon]\nmetrics_listen = \"0.0.0.0:9464\"\nstatus_listen = \"0.0.0.0:80\"\n");
  CHECK(config.daemon.metrics_listen == "0.0.0.0:9464");
  CHECK(config.daemon.status_listen == "0.0.0.0:80");
}

TEST_CASE("a bad status_listen is reported at its key, like metrics_listen") {
  checkErrors(errorsOf("[daemon]\nstatus_listen = \"127.0.0.1\"\n"),
              {{2, 1, "daemon.status_listen",
                "bad address \"127.0.0.1\": the port is required (host:port)"}});
  checkErrors(errorsOf("[daemon]\nstatus_listen = \"127.0.0.1:0\"\n"),
              {{2, 1, "daemon.status_listen",
                "bad address \"127.0.0.1:0\": the port must be a number from 1 to 65535"}});
  checkErrors(errorsOf("[daemon]\nstatus_listen = \"::1:8080\"\n"),
              {{2, 1, "daemon.status_listen",
                "bad address \"::1:8080\": write an IPv6 address in brackets, e.g. "
                "[2001:db8::1]:53"}});
  checkErrors(errorsOf("[daemon]\nstatus_listen = 8080\n"),
              {{2, 1, "daemon.status_listen", "expected a string, got an integer"}});
  checkErrors(errorsOf("[daemon]\nstatus_listen = \"\"\n"),
              {{2, 1, "daemon.status_listen", "must not be empty"}});
}

TEST_CASE("status_listen on metrics_listen's address is refused: leave it out instead") {
  std::string why =
      ": leave status_listen out to serve the status page there, or give it an address of its own";
  checkErrors(errorsOf("[daemon]\nstatus_listen = \"127.0.0.1:9464\"\n"),
              {{2, 1, "daemon.status_listen",
                "the same address as metrics_listen \"127.0.0.1:9464\"" + why}});
  checkErrors(
      errorsOf("[daemon]\nmetrics_listen = \"[::1]:9100\"\nstatus_listen = \"[::1]:9100\"\n"),
      {{3, 1, "daemon.status_listen", "the same address as metrics_listen \"[::1]:9100\"" + why}});
}

}  // namespace
}  // namespace planb::config

namespace planb::config {
namespace {

TEST_CASE("status_hosts lists the names the status page answers to besides addresses") {
  CHECK(testing::load("").daemon.status_hosts.empty());
  CHECK(testing::load("[daemon]\nstatus_hosts = [\"status.edge-1.example\", \"edge-1\"]\n")
            .daemon.status_hosts == std::vector<std::string>{"status.edge-1.example", "edge-1"});
  testing::checkErrors(
      testing::errorsOf("[daemon]\nstatus_hosts = [\"ok.example\", \"evil.example:80\", \"\"]\n"),
      {{2, 31, "daemon.status_hosts[1]",
        "not a host name: \"evil.example:80\" (a DNS name without port, as browsers send it in "
        "Host)"},
       {2, 50, "daemon.status_hosts[2]", "must not be empty"}});
}

}  // namespace
}  // namespace planb::config
