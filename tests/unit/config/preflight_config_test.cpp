// The keys of preflight and planbd's own resolution: [daemon] resolvers, [[zone]] parent_servers
// and [[provider]] vendor.

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

TEST_CASE("resolvers and parent_servers are IP addresses with port 53 by default") {
  Config c = load(std::string("[daemon]\nresolvers = [\"127.0.0.1\", \"[::1]:5353\"]\n") +
                  std::string(testing::kBase) +
                  "[[zone]]\nname = \"example.org\"\nproviders = [\"ns1\"]\n"
                  "parent_servers = [\"192.0.2.1\", \"192.0.2.2:5300\"]\n");
  REQUIRE(c.daemon.resolvers.size() == 2);
  CHECK(c.daemon.resolvers[0].str() == "127.0.0.1:53");
  CHECK(c.daemon.resolvers[1].str() == "[::1]:5353");
  REQUIRE(c.zones.size() == 2);
  CHECK(c.zones[0].parent_servers.empty());
  REQUIRE(c.zones[1].parent_servers.size() == 2);
  CHECK(c.zones[1].parent_servers[1].str() == "192.0.2.2:5300");
}

TEST_CASE("without resolvers planbd uses the system's") {
  Config c = load(withBase(""));
  CHECK(c.daemon.resolvers.empty());
}

TEST_CASE("a resolver or parent server given by name is refused with its line and column") {
  std::string text = std::string("[daemon]\nresolvers = [\"dns.example\"]\n") +
                     std::string(testing::kBase) +
                     "[[zone]]\nname = \"example.org\"\nproviders = [\"ns1\"]\n"
                     "parent_servers = [\"192.0.2.1\", \"a.gtld-servers.net\", \"1.2.3.4:0\"]\n";
  checkErrors(errorsOf(text),
              {{2, 14, "daemon.resolvers[0]",
                "bad address \"dns.example\": use an IP address (a name would need a resolver "
                "to find it)"},
               {kBaseLines + 6, 32, "zone[1].parent_servers[1]",
                "bad address \"a.gtld-servers.net\": use an IP address (a name would need a "
                "resolver to find it)"},
               {kBaseLines + 6, 54, "zone[1].parent_servers[2]",
                "bad address \"1.2.3.4:0\": the port must be a number from 1 to 65535"}});
}

TEST_CASE("a provider's vendor is its type's unless its vendor key says otherwise") {
  Config c = load(withBase(R"([[provider]]
name = "r53"
type = "route53"
access_key_id_file = "/etc/planb/aws.id"
secret_access_key_file = "/etc/planb/aws.secret"

[[provider]]
name = "own"
type = "rfc2136"
vendor = "hetzner"
server = "192.0.2.54"
tsig_key_file = "/etc/planb/tsig.key"
)"));
  CHECK(vendorOf(*c.provider("r53")) == "aws");
  CHECK(vendorOf(*c.provider("own")) == "hetzner");
  CHECK(vendorOf(*c.provider("ns1")).empty());
}

TEST_CASE("a provider's vendor must be a name") {
  checkErrors(errorsOf(withBase("[[provider]]\nname = \"x\"\ntype = \"rfc2136\"\nvendor = 3\n"
                                "server = \"192.0.2.54\"\ntsig_key_file = \"/etc/planb/k\"\n")),
              {{kBaseLines + 4, 1, "provider[1].vendor", "expected a string, got an integer"}});
}

}  // namespace
}  // namespace planb::config
