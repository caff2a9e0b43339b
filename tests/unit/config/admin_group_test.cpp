// [daemon] admin_group: who besides root and planbd's user may change state on the admin socket.

#include <doctest/doctest.h>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace planb::config {
namespace {

using testing::checkErrors;
using testing::errorsOf;
using testing::load;

TEST_CASE("admin_group defaults to planb-admin, the group the package creates") {
  CHECK(load("").daemon.admin_group == "planb-admin");
  CHECK(load("[daemon]\nlog_level = \"info\"\n").daemon.admin_group == "planb-admin");
}

TEST_CASE("admin_group takes a group name or a numeric gid") {
  CHECK(load("[daemon]\nadmin_group = \"oncall\"\n").daemon.admin_group == "oncall");
  CHECK(load("[daemon]\nadmin_group = \"sre.team_1-b\"\n").daemon.admin_group == "sre.team_1-b");
  CHECK(load("[daemon]\nadmin_group = \"4242\"\n").daemon.admin_group == "4242");
}

TEST_CASE("a bad admin_group is reported at its key") {
  std::string rule = " (letters, digits, '.', '_' and '-', at most 32)";
  checkErrors(errorsOf("[daemon]\nadmin_group = \"ops:x\"\n"),
              {{2, 1, "daemon.admin_group", "not a group name or numeric gid: \"ops:x\"" + rule}});
  checkErrors(errorsOf("[daemon]\nadmin_group = \"-ops\"\n"),
              {{2, 1, "daemon.admin_group", "not a group name or numeric gid: \"-ops\"" + rule}});
  checkErrors(errorsOf("[daemon]\nadmin_group = \"\"\n"),
              {{2, 1, "daemon.admin_group", "must not be empty"}});
  checkErrors(errorsOf("[daemon]\nadmin_group = 4242\n"),
              {{2, 1, "daemon.admin_group", "expected a string, got an integer"}});
}

}  // namespace
}  // namespace planb::config
