// Fuzzes WebhookProvider's reading of an external-dns webhook provider's replies (negotiation's
// media type and domain filter, GET /records, POST /adjustendpoints, POST /records): the input is
// a script of replies (fuzz_replies.hpp) answered to read(), a replace() with the value believed
// served (no compare-and-swap: a read then the write), a replaceBatch of three, then the
// rehearsal's TXT calls and nameServers().

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "fakes/manual_clock.hpp"
#include "fakes/recorded_ceiling.hpp"
#include "fuzz/fuzz_replies.hpp"
#include "providers/webhook_provider.hpp"

using namespace planb::net;
using namespace planb::providers;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto transport = std::make_shared<planb::fuzz::ReplayTransport>(input);
  // The ceiling waits on a manual clock: a long script of replies never sleeps.
  planb::testing::RecordedCeiling ceiling;
  WebhookProvider provider("hook", "http://127.0.0.1:8888", transport,
                           ceiling.make(kWebhookCeiling));
  // The zone and names of the recorded exchanges (tests/conformance/webhook).
  const RecordRef test{"example.com.", "test.example.com."};
  (void)provider.read(test);
  (void)provider.replace(ReplaceRequest{test, "backup.example.net.", 60, "app.aws.example.net."});
  const RecordRef api{"example.com.", "api.example.com."};
  const RecordRef apex{"example.com.", "example.com."};
  (void)provider.replaceBatch(
      {ReplaceRequest{test, "backup.example.net.", 60, "app.aws.example.net."},
       ReplaceRequest{api, "backup.example.net.", 300, std::nullopt},
       ReplaceRequest{apex, "backup.example.net.", 60, "app.aws.example.net."}});
  // The rehearsal's path: the TXT listing, the write's plan, the clean-up, the name servers.
  const RecordRef rehearsal{"example.com.", "_planb-rehearsal.example.com."};
  (void)provider.readTxt(rehearsal);
  (void)provider.writeTxt(TxtWrite{rehearsal, "planb-fuzz", 60});
  (void)provider.deleteTxt(rehearsal);
  (void)provider.nameServers("example.com.");
  return 0;
}
