// Fuzzes DnspodProvider's reading of Tencent Cloud API 3.0 JSON replies ({"Response": ...}, errors
// as HTTP 200 with Response.Error): the input is a script of replies (fuzz_replies.hpp) answered to
// read(), a replace() with the value believed served (DNSPod has no compare-and-swap: a look-up
// then the write), a replaceBatch of three, then the rehearsal's TXT calls and nameServers().

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "fakes/manual_clock.hpp"
#include "fakes/recorded_ceiling.hpp"
#include "fuzz/fuzz_replies.hpp"
#include "providers/dnspod_provider.hpp"

using namespace planb::net;
using namespace planb::providers;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const planb::providers::DnspodConfig config = [] {
    planb::providers::DnspodConfig c;
    c.name = "pod";
    c.settings.secret_id_file = planb::fuzz::secretFile("pod.id", "AKIDdnspodFuzzSecretId");
    c.settings.secret_key_file = planb::fuzz::secretFile("pod.key", "dnspod-fuzz-secret-key");
    c.endpoint = "https://dnspod.test/";
    return c;
  }();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto transport = std::make_shared<planb::fuzz::ReplayTransport>(input);
  // The ceiling waits on a manual clock: a long script of replies never sleeps.
  planb::testing::RecordedCeiling ceiling;
  DnspodOptions options;
  options.ceiling = ceiling.make(kDnspodCeiling);
  DnspodProvider provider(config, transport, ceiling.clock, options);
  const RecordRef www{"example.com.", "www.example.com."};
  (void)provider.read(www);
  (void)provider.replace(ReplaceRequest{www, "backup.example.net.", 60, "app.aws.example.net."});
  // One lane (no batch_transports): the batch's writes go one after another, as scripted.
  const RecordRef api{"example.com.", "api.example.com."};
  const RecordRef apex{"example.com.", "example.com."};
  (void)provider.replaceBatch(
      {ReplaceRequest{www, "backup.example.net.", 60, "app.aws.example.net."},
       ReplaceRequest{api, "backup.example.net.", 600, std::nullopt},
       ReplaceRequest{apex, "backup.example.net.", 60, "app.aws.example.net."}});
  // The rehearsal's path: the TXT listing, the write's plan, the clean-up, the name servers.
  const RecordRef rehearsal{"example.com.", "_planb-rehearsal.example.com."};
  (void)provider.readTxt(rehearsal);
  (void)provider.writeTxt(TxtWrite{rehearsal, "planb-fuzz", 60});
  (void)provider.deleteTxt(rehearsal);
  (void)provider.nameServers("example.com.");
  return 0;
}
