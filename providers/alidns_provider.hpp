#pragma once
// Alibaba Cloud DNS, API 2015-01-09 (provider-apis.md §5): RPC calls POSTed as signed forms
// (signature V1, alibaba_signer.hpp) with Format=JSON. Records are addressed by host label (RR,
// "@" for the apex) within a domain. The API is last-writer-wins on a single record, so a write
// reads first and refuses (Conflict) when the served value is not the one the caller expects.
//
// Only one record shape is planb's: an enabled CNAME on the "default" line. Anything else at the
// name (another type, a CNAME for an ISP line, a disabled record) is reported as a Conflict,
// since planb must neither overwrite it nor pretend the name fails over while it is there.
// Every request carries a fresh SignatureNonce: Alibaba refuses a reused one.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "net/alibaba_signer.hpp"
#include "net/http_client.hpp"
#include "net/secret.hpp"
#include "providers/dns_provider.hpp"
#include "providers/lookup_then_write.hpp"
#include "providers/provider_settings.hpp"
#include "providers/request_ceiling.hpp"

namespace planb::providers {

// A unique SignatureNonce per call.
using NonceGenerator = std::function<std::string()>;

// A random (version 4) UUID from OpenSSL's generator.
std::string randomUuid();

// Alibaba Cloud DNS limits each API per account and region: DescribeSubDomainRecords 300/s,
// AddDomainRecord and UpdateDomainRecord 60/s
// (https://www.alibabacloud.com/help/en/dns/api-alidns-2015-01-09-quota). One bucket covers
// every call, so it takes the lowest of the calls planbd makes: 60 per second.
inline constexpr CeilingRate kAlidnsCeiling{60, 1};

struct AlidnsOptions {
  // Every request draws from it; kAlidnsCeiling on the system clock when empty.
  std::shared_ptr<RequestCeiling> ceiling;
  int page_size = 100;  // the API's maximum for DescribeSubDomainRecords
  int max_pages = 100;  // a longer listing is refused as malformed, never looped on
};

using AlidnsConfig = ApiProviderConfig<AlidnsSettings>;

// What one look-up of a name found.
struct AlidnsLookup {
  ServedRecord served;
  std::optional<std::string> record_id;  // of the CNAME, when served
  std::string rr;                        // the name relative to the zone
};

class AlidnsProvider final : public LookupThenWrite<AlidnsLookup> {
 public:
  static constexpr std::string_view kDefaultEndpoint = "https://alidns.aliyuncs.com/";

  // Reads both credential files now (readSecretFile), so a missing or unsafe one stops planbd
  // at start. Uses config.name, config.settings and config.endpoint (default kDefaultEndpoint).
  // The clock gives the Timestamp parameter. Throws CredentialError, or std::invalid_argument
  // without a transport, clock or nonce generator.
  AlidnsProvider(const AlidnsConfig& config, std::shared_ptr<net::HttpTransport> transport,
                 std::shared_ptr<const core::Clock> clock, NonceGenerator nonce = randomUuid,
                 AlidnsOptions options = {});

  const std::string& name() const noexcept override { return name_; }
  std::string_view type() const noexcept override { return "alidns"; }
  Capabilities capabilities() const noexcept override { return {1, false}; }

  // DescribeSubDomainRecords (every page): the CNAME, a Conflict (see above), or Absent.
  // (read() is LookupThenWrite's: this lookup.)

  // Reads, then UpdateDomainRecord on the CNAME's RecordId, or AddDomainRecord when the name
  // holds nothing. Conflict when the name holds something else or serves another value than
  // `expected_target` (nullopt: any CNAME). Nothing is sent when the wanted CNAME and TTL are
  // already served. DomainRecordDuplicate is a success once a re-read shows the wanted target.
  // (replace() is LookupThenWrite's: lookup, compare, then this write.)

 private:
  struct RpcFailure;
  struct RpcReply;

  RpcReply call(const std::string& action, net::RpcParams params, const std::string& subject);
  Result<AlidnsLookup> lookup(const RecordRef& record) override;
  Result<Unit> write(const ReplaceRequest& request, const AlidnsLookup& current) override;
  std::string scrub(std::string text) const;

  std::string name_;
  std::string endpoint_;
  net::Secret access_key_id_;
  net::Secret access_key_secret_;
  std::shared_ptr<net::HttpTransport> transport_;
  std::shared_ptr<const core::Clock> clock_;
  NonceGenerator nonce_;
  AlidnsOptions options_;
};

}  // namespace planb::providers
