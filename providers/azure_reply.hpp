#pragma once
// What Azure DNS (ARM, api-version 2018-05-01) replies mean, as pure functions over the bodies,
// so that every recorded exchange of tests/conformance/azure/ is parsed by the code the provider
// runs. Shapes: the RecordSet and RecordSetListResult of
// Azure/azure-rest-api-specs specification/dns/resource-manager/Microsoft.Network/stable/
// 2018-05-01/dns.json and its examples/.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/error.hpp"

namespace planb::providers {

// One record set as ARM serves it, with the raw JSON kept: a write sends it back with only the
// CNAME (or the TXT value) and the TTL changed, so metadata and whatever else planb does not
// manage stays as it is.
struct AzureRecordSet {
  std::string name;  // relative, "@" for the apex, as served
  std::string type;  // "CNAME", "A", … (the last segment of Microsoft.Network/dnsZones/CNAME)
  std::string etag;
  std::uint32_t ttl = 0;
  std::optional<std::string> cname;     // CNAMERecord.cname, when present and not empty
  bool alias = false;                   // targetResource.id set: an alias record set
  std::vector<std::string> txt_values;  // each TXTRecords[i].value, its strings joined
  nlohmann::json raw;
};

// One record set; throws nlohmann::json::exception or std::invalid_argument when malformed.
AzureRecordSet parseAzureRecordSet(const nlohmann::json& record_set);

// A RecordSetListResult page: its record sets and nextLink (empty on the last page).
struct AzureListPage {
  std::vector<AzureRecordSet> record_sets;
  std::string next_link;
};
AzureListPage parseAzureListPage(const nlohmann::json& page);

// An ARM error: {"error":{"code","message"}} (ARM's CloudError), or the DNS resource provider's
// bare {"code","message"}. Empty fields when the body says neither.
struct AzureArmError {
  std::string code;
  std::string message;
};
AzureArmError parseAzureArmError(const nlohmann::json& body);

// The kind of an ARM error reply: Auth for 401/403, NotFound for 404, Conflict for 409 (another
// record set at the name) and 412 (the etag changed: a lost compare-and-swap), RateLimited for
// 429, Transient for 5xx, Permanent otherwise.
net::ErrorKind azureErrorKind(long status, std::string_view code);

// Whether a 404 says the zone (or its resource group or subscription) is missing, rather than
// the record set: ParentResourceNotFound, ResourceGroupNotFound, SubscriptionNotFound,
// ResourceNotFound naming the zone.
bool isAzureZoneMissing(std::string_view code);

// Zone.properties.nameServers, as served (with or without a trailing dot).
std::vector<std::string> azureNameServers(const nlohmann::json& zone);

// The PUT body that makes `read` (nullptr: none yet) a CNAME record set to `target` with `ttl`:
// the record set's properties as read, with CNAMERecord and TTL replaced and the read-only
// fqdn and provisioningState left out.
nlohmann::json azureCnameBody(const nlohmann::json* read, std::string_view target,
                              std::uint32_t ttl);

// The same for a TXT record set holding exactly `value`.
nlohmann::json azureTxtBody(const nlohmann::json* read, std::string_view value, std::uint32_t ttl);

}  // namespace planb::providers
