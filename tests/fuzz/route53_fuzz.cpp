// Fuzzes Route53Provider's reading of the Route 53 API's XML replies (zone lookup, record pages,
// ChangeInfo, GetHostedZone, error bodies): the input is a script of replies (fuzz_replies.hpp)
// answered to read() and then to a compare-and-swap replace(), which polls GetChange without
// sleeping; the same script again to the rehearsal's TXT steps and nameServers().

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "fakes/recorded_ceiling.hpp"
#include "fuzz/fuzz_replies.hpp"
#include "providers/route53_provider.hpp"

using namespace planb::net;
using namespace planb::providers;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const planb::providers::Route53Config config = [] {
    planb::providers::Route53Config c;
    c.name = "aws";
    c.settings.access_key_id_file = planb::fuzz::secretFile("akid", "AKIDEXAMPLE");
    c.settings.secret_access_key_file = planb::fuzz::secretFile("secret", "fuzz-secret-key");
    c.endpoint = "https://route53.test";
    return c;  // no hosted_zone_id: the zone is looked up, so ListHostedZonesByName is parsed
  }();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto transport = std::make_shared<planb::fuzz::ReplayTransport>(input);
  Route53Options options;
  auto now = std::make_shared<std::chrono::system_clock::time_point>(
      std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 46));
  options.clock = [now] { return *now; };
  options.list_page_size = 2;
  // The ceiling waits on a manual clock: a long script of polls never sleeps.
  planb::testing::RecordedCeiling ceiling;
  options.ceiling = ceiling.make(kRoute53Ceiling);
  Route53Provider provider(config, transport, options);
  const RecordRef www{"example.com.", "www.example.com."};
  (void)provider.read(www);
  (void)provider.replace(ReplaceRequest{www, "backup.example.net.", 60, "app.aws.example.net."});
  (void)provider.readBatch("example.com.", {"www.example.com.", "api.example.com."});
  (void)provider.replaceBatch(
      {ReplaceRequest{www, "backup.example.net.", 60, "app.aws.example.net."},
       ReplaceRequest{
           {"example.com.", "api.example.com."}, "backup.example.net.", 60, std::nullopt}});
  (void)provider.pollChange("C2682N5HXP0BZ4");

  // The rehearsal's TXT steps and the delegation set, on a provider of a known zone id that
  // answers from the start of the same script.
  static const planb::providers::Route53Config by_id = [] {
    planb::providers::Route53Config c = config;
    c.settings.hosted_zone_id = "Z1D633PJN98FT9";
    return c;
  }();
  Route53Provider rehearsal(by_id, std::make_shared<planb::fuzz::ReplayTransport>(input), options);
  const RecordRef txt{"example.com.", "_planb-rehearsal.example.com."};
  (void)rehearsal.readTxt(txt);
  (void)rehearsal.writeTxt(TxtWrite{txt, "planb-token", 60});
  (void)rehearsal.deleteTxt(txt);
  (void)rehearsal.nameServers("example.com.");
  return 0;
}
