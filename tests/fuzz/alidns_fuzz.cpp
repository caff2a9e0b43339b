// Fuzzes AlidnsProvider's reading of Alibaba Cloud DNS RPC JSON replies: the input is a script of
// replies (fuzz_replies.hpp) answered to read(), a compare-and-swap replace(), then the rehearsal's
// TXT calls and nameServers().

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "fakes/manual_clock.hpp"
#include "fakes/recorded_ceiling.hpp"
#include "fuzz/fuzz_replies.hpp"
#include "providers/alidns_provider.hpp"

using namespace planb::net;
using namespace planb::providers;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const planb::providers::AlidnsConfig config = [] {
    planb::providers::AlidnsConfig c;
    c.name = "ali";
    c.settings.access_key_id_file = planb::fuzz::secretFile("ak.id", "LTAIfuzzkeyid");
    c.settings.access_key_secret_file = planb::fuzz::secretFile("ak.secret", "fuzz-key-secret");
    c.endpoint = "https://alidns.test/";
    return c;
  }();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto transport = std::make_shared<planb::fuzz::ReplayTransport>(input);
  // The ceiling waits on a manual clock: a long script of replies never sleeps.
  planb::testing::RecordedCeiling ceiling;
  AlidnsOptions options;
  options.ceiling = ceiling.make(kAlidnsCeiling);
  AlidnsProvider provider(
      config, transport, ceiling.clock, [] { return std::string("fuzz-nonce"); }, options);
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
