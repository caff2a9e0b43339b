// Fuzzes AzureProvider's reading of Entra ID token and ARM Microsoft.Network/dnsZones JSON
// replies: the input is a script of replies (fuzz_replies.hpp), the token's among them, answered
// to read(), a compare-and-swap replace() (If-Match on the record set's etag), a replaceBatch of
// three, then the rehearsal's TXT calls and nameServers().

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "fakes/manual_clock.hpp"
#include "fakes/recorded_ceiling.hpp"
#include "fuzz/fuzz_replies.hpp"
#include "providers/azure_provider.hpp"

using namespace planb::net;
using namespace planb::providers;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const planb::providers::AzureConfig config = [] {
    planb::providers::AzureConfig c;
    c.name = "az";
    c.settings.tenant_id = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    c.settings.client_id = "11111111-2222-3333-4444-555555555555";
    c.settings.client_secret_file = planb::fuzz::secretFile("az.secret", "azure-fuzz~secret");
    c.settings.subscription_id = "sub-1";
    c.settings.resource_group = "rg-dns";
    c.settings.login_endpoint = "https://login.test";
    c.endpoint = "https://arm.test";
    return c;
  }();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto transport = std::make_shared<planb::fuzz::ReplayTransport>(input);
  // The ceiling waits on a manual clock: a long script of replies never sleeps, and the token's
  // lifetime is counted on it.
  planb::testing::RecordedCeiling ceiling;
  AzureOptions options;
  options.ceiling = ceiling.make(kAzureCeiling);
  AzureProvider provider(config, transport, ceiling.clock, options);
  // The zone and names of the recorded exchanges (tests/conformance/azure).
  const RecordRef docs{"full4ir.tk.", "docs.full4ir.tk."};
  (void)provider.read(docs);
  (void)provider.replace(ReplaceRequest{docs, "backup.example.net.", 60, "docs.example.com."});
  // One lane (no batch_transports): the batch's writes go one after another, as scripted.
  const RecordRef api{"full4ir.tk.", "api.full4ir.tk."};
  const RecordRef apex{"full4ir.tk.", "full4ir.tk."};
  (void)provider.replaceBatch(
      {ReplaceRequest{docs, "backup.example.net.", 60, "docs.example.com."},
       ReplaceRequest{api, "backup.example.net.", 300, std::nullopt},
       ReplaceRequest{apex, "backup.example.net.", 60, "app.aws.example.net."}});
  // The rehearsal's path: the TXT listing, the write's plan, the clean-up, the name servers.
  const RecordRef rehearsal{"full4ir.tk.", "_planb-rehearsal.full4ir.tk."};
  (void)provider.readTxt(rehearsal);
  (void)provider.writeTxt(TxtWrite{rehearsal, "planb-fuzz", 60});
  (void)provider.deleteTxt(rehearsal);
  (void)provider.nameServers("full4ir.tk.");
  return 0;
}
