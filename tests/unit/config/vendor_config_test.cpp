// [[vendor]]: down_when, how many of a vendor's regions must be down for the vendor to be down.

#include <doctest/doctest.h>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace planb::config {
namespace {

using testing::checkErrors;
using testing::errorsOf;
using testing::kBaseLines;
using testing::load;
using testing::withBase;

// A second region for vendor aws, so down_when has a choice.
constexpr std::string_view kSecondRegion = R"(
  [[target.probe]]
  name = "euw1"
  type = "tcp"
  address = "192.0.2.11:443"
)";

TEST_CASE("a vendor without a [[vendor]] table is down when a majority of its regions are") {
  Config c = load(withBase(""));
  CHECK(c.vendors.empty());
}

TEST_CASE("down_when takes majority, all or a number of regions") {
  Config all = load(
      withBase(std::string(kSecondRegion) + "[[vendor]]\nname = \"aws\"\ndown_when = \"all\"\n"));
  REQUIRE(all.vendors.size() == 1);
  CHECK(all.vendors[0].name == "aws");
  CHECK(all.vendors[0].down_when.kind == core::VendorDownRule::Kind::All);
  Config one =
      load(withBase(std::string(kSecondRegion) + "[[vendor]]\nname = \"aws\"\ndown_when = 1\n"));
  CHECK(one.vendors[0].down_when.kind == core::VendorDownRule::Kind::AtLeast);
  CHECK(one.vendors[0].down_when.regions == 1);
}

TEST_CASE("a bad [[vendor]] table is reported with its line, column and key") {
  std::string more = std::string(kSecondRegion) +  // 5 lines
                     "[[vendor]]\n"                // line 6
                     "name = \"gcp\"\n"            // 7
                     "[[vendor]]\n"                // 8
                     "name = \"aws\"\n"            // 9
                     "down_when = 3\n"             // 10
                     "[[vendor]]\n"                // 11
                     "name = \"aws\"\n"            // 12
                     "down_when = \"most\"\n"      // 13
                     "regions = 2\n";              // 14
  checkErrors(errorsOf(withBase(more)),
              {{kBaseLines + 7, 1, "vendor[0].name", "no target has vendor \"gcp\""},
               {kBaseLines + 10, 1, "vendor[1].down_when",
                "down_when = 3 but the vendor has only 2 regions among its targets' probes"},
               {kBaseLines + 12, 1, "vendor[2].name",
                "duplicate vendor name \"aws\" (first defined on line " +
                    std::to_string(kBaseLines + 9) + ")"},
               {kBaseLines + 13, 1, "vendor[2].down_when",
                "bad value \"most\": use \"majority\", \"all\" or a number of regions"},
               {kBaseLines + 14, 1, "vendor[2].regions", "unknown key \"regions\""}});
}

}  // namespace
}  // namespace planb::config
