// Fuzzes PowerDnsProvider's reading of the PowerDNS API's JSON replies: the input is a script of
// replies (fuzz_replies.hpp) answered to read(), a compare-and-swap replace(), then a readBatch()
// and a replaceBatch() of two names (one zone GET read for both, the batch PATCH), then the
// rehearsal's calls: readTxt(), writeTxt(), deleteTxt() and nameServers().
// Any reply must give a ServedRecord, success or a ProviderError; nothing else may escape.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "fuzz/fuzz_replies.hpp"
#include "providers/powerdns_provider.hpp"

using namespace planb::net;
using namespace planb::providers;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string key = planb::fuzz::secretFile("pdns.key", "pdns-fuzz-key");
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto transport = std::make_shared<planb::fuzz::ReplayTransport>(input);
  PowerDnsProvider provider(
      "pdns", planb::providers::PowerDnsSettings{"http://127.0.0.1:8081", key, "localhost"},
      transport);
  const RecordRef www{"example.test.", "www.example.test."};
  (void)provider.read(www);
  (void)provider.replace(ReplaceRequest{www, "backup.example.net.", 60, "app.aws.example.net."});
  const RecordRef api{"example.test.", "api.example.test."};
  (void)provider.readBatch("example.test.", {www.name, api.name});
  (void)provider.replaceBatch(
      {ReplaceRequest{www, "backup.example.net.", 60, "app.aws.example.net."},
       ReplaceRequest{api, "backup.example.net.", 60, std::nullopt}});
  const RecordRef rehearsal{"example.test.", "_planb-rehearsal.example.test."};
  (void)provider.readTxt(rehearsal);
  (void)provider.writeTxt(TxtWrite{rehearsal, "token", 60});
  (void)provider.deleteTxt(rehearsal);
  (void)provider.nameServers("example.test.");
  return 0;
}
