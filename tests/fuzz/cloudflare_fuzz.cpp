// Fuzzes CloudflareProvider's reading of API v4 JSON replies: the input is a script of replies
// (fuzz_replies.hpp) answered to read(), a compare-and-swap replace(), then the rehearsal's TXT
// calls and nameServers().

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "fakes/manual_clock.hpp"
#include "fuzz/fuzz_replies.hpp"
#include "providers/cloudflare_provider.hpp"

using namespace planb::net;
using namespace planb::providers;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const planb::providers::CloudflareConfig config = [] {
    planb::providers::CloudflareConfig c;
    c.name = "cf";
    c.settings.api_token_file = planb::fuzz::secretFile("cf.token", "cf-fuzz-token");
    c.endpoint = "https://api.cloudflare.test/client/v4";
    return c;
  }();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto transport = std::make_shared<planb::fuzz::ReplayTransport>(input);
  CloudflareProvider provider(config, transport, std::make_shared<planb::testing::ManualClock>());
  const RecordRef www{"example.com.", "www.example.com."};
  (void)provider.read(www);
  (void)provider.replace(ReplaceRequest{www, "backup.example.net.", 60, "app.aws.example.net."});
  // The rehearsal's path: the TXT listing, the write's plan, the clean-up, the name servers.
  const RecordRef rehearsal{"example.com.", "_planb-rehearsal.example.com."};
  (void)provider.readTxt(rehearsal);
  (void)provider.writeTxt(TxtWrite{rehearsal, "planb-fuzz", 60});
  (void)provider.deleteTxt(rehearsal);
  (void)provider.nameServers("example.com.");
  return 0;
}
