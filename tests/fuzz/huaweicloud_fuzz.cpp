// Fuzzes HuaweiCloudProvider's reading of Huawei Cloud DNS API v2 JSON replies: the input is a
// script of replies (fuzz_replies.hpp) answered to read(), a replace() with the value believed
// served (no compare-and-swap: a look-up then the write), a replaceBatch of three, pollChange on a
// record set still PENDING_*, then the rehearsal's TXT calls and nameServers().

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "fakes/manual_clock.hpp"
#include "fakes/recorded_ceiling.hpp"
#include "fuzz/fuzz_replies.hpp"
#include "providers/huaweicloud_provider.hpp"

using namespace planb::net;
using namespace planb::providers;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const planb::providers::HuaweiCloudConfig config = [] {
    planb::providers::HuaweiCloudConfig c;
    c.name = "hw";
    c.settings.access_key_id_file = planb::fuzz::secretFile("hw.ak", "HWFUZZACCESSKEYID0001");
    c.settings.secret_access_key_file = planb::fuzz::secretFile("hw.sk", "huawei-fuzz-secret-key");
    c.settings.region = "ap-southeast-1";
    c.endpoint = "https://dns.test";
    return c;
  }();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto transport = std::make_shared<planb::fuzz::ReplayTransport>(input);
  // The ceiling waits on a manual clock: a long script of replies never sleeps.
  planb::testing::RecordedCeiling ceiling;
  HuaweiCloudOptions options;
  options.ceiling = ceiling.make(kHuaweiCloudCeiling);
  HuaweiCloudProvider provider(config, transport, ceiling.clock, options);
  const RecordRef www{"example.com.", "www.example.com."};
  (void)provider.read(www);
  (void)provider.replace(ReplaceRequest{www, "backup.example.net.", 60, "app.aws.example.net."});
  // One lane (no batch_transports): the batch's writes go one after another, as scripted.
  const RecordRef api{"example.com.", "api.example.com."};
  const RecordRef apex{"example.com.", "example.com."};
  (void)provider.replaceBatch(
      {ReplaceRequest{www, "backup.example.net.", 60, "app.aws.example.net."},
       ReplaceRequest{api, "backup.example.net.", 300, std::nullopt},
       ReplaceRequest{apex, "backup.example.net.", 60, "app.aws.example.net."}});
  // change ids are ZONE_ID/RECORDSET_ID, as replaceBatch reports them.
  (void)provider.pollChange("2c9eb155587194ec01587224c9f90149/2c9eb155587194ec01587224c9f9014a");
  (void)provider.pollChange("no-slash");
  // The rehearsal's path: the TXT listing, the write's plan, the clean-up, the name servers.
  const RecordRef rehearsal{"example.com.", "_planb-rehearsal.example.com."};
  (void)provider.readTxt(rehearsal);
  (void)provider.writeTxt(TxtWrite{rehearsal, "planb-fuzz", 60});
  (void)provider.deleteTxt(rehearsal);
  (void)provider.nameServers("example.com.");
  return 0;
}
