// Fuzzes GoogleProvider's reading of the OAuth token endpoint's and Cloud DNS v1's JSON replies:
// the input is a script of replies (fuzz_replies.hpp), the token's among them, answered to read()
// (the managed zone looked up by dnsName), a compare-and-swap replace(), a replaceBatch of three,
// pollChange on a pending change, then the rehearsal's TXT calls and nameServers(). The service
// account's key is RFC 7515 A.2's, so the JWT is really signed.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>

#include "fakes/manual_clock.hpp"
#include "fakes/recorded_ceiling.hpp"
#include "fakes/rfc7515_key.hpp"
#include "fuzz/fuzz_replies.hpp"
#include "providers/google_provider.hpp"

using namespace planb::net;
using namespace planb::providers;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const planb::providers::GoogleConfig config = [] {
    nlohmann::json key{{"type", "service_account"},
                       {"project_id", "fuzz-project"},
                       {"private_key_id", "0123456789abcdef"},
                       {"private_key", planb::testing::kRfc7515A2PrivatePem},
                       {"client_email", "planb@fuzz-project.iam.gserviceaccount.com"},
                       {"token_uri", "https://oauth2.test/token"}};
    planb::providers::GoogleConfig c;
    c.name = "gdns";
    c.settings.credentials_file = planb::fuzz::secretFile("google.json", key.dump());
    c.settings.project = "fuzz-project";
    c.endpoint = "https://dns.test/dns/v1";
    return c;
  }();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto transport = std::make_shared<planb::fuzz::ReplayTransport>(input);
  // The ceiling waits on a manual clock: a long script of replies never sleeps, and the token's
  // lifetime is counted on it.
  planb::testing::RecordedCeiling ceiling;
  GoogleOptions options;
  options.ceiling = ceiling.make(kGoogleCeiling);
  GoogleProvider provider(config, transport, ceiling.clock, options);
  // The zone and names of the recorded exchanges (tests/conformance/google).
  const RecordRef docs{"fullm3tal.tk.", "docs.fullm3tal.tk."};
  (void)provider.read(docs);
  (void)provider.replace(ReplaceRequest{docs, "backup.example.net.", 60, "docs.example.com."});
  const RecordRef api{"fullm3tal.tk.", "api.fullm3tal.tk."};
  const RecordRef apex{"fullm3tal.tk.", "fullm3tal.tk."};
  (void)provider.replaceBatch(
      {ReplaceRequest{docs, "backup.example.net.", 60, "docs.example.com."},
       ReplaceRequest{api, "backup.example.net.", 300, std::nullopt},
       ReplaceRequest{apex, "backup.example.net.", 60, "app.aws.example.net."}});
  // change ids are MANAGED_ZONE/ID, as replaceBatch reports them.
  (void)provider.pollChange("fullm3tal-tk/213");
  (void)provider.pollChange("no-slash");
  // The rehearsal's path: the TXT listing, the write's plan, the clean-up, the name servers.
  const RecordRef rehearsal{"fullm3tal.tk.", "_planb-rehearsal.fullm3tal.tk."};
  (void)provider.readTxt(rehearsal);
  (void)provider.writeTxt(TxtWrite{rehearsal, "planb-fuzz", 60});
  (void)provider.deleteTxt(rehearsal);
  (void)provider.nameServers("fullm3tal.tk.");
  return 0;
}
