#pragma once
// The JSON of the external-dns webhook provider protocol (media type kWebhookMediaType): the
// endpoints of GET /records and POST /adjustendpoints (external-dns endpoint.Endpoint), the
// changes of POST /records (plan.Changes) and the domain filter negotiation answers with
// (endpoint.DomainFilter). Sources: kubernetes-sigs/external-dns endpoint/endpoint.go,
// plan/plan.go, endpoint/domain_filter.go and api/webhook.yaml.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace planb::providers {

// Sent as Accept and Content-Type, and required as the negotiation's Content-Type byte for byte
// (provider/webhook/webhook.go compares it with !=; api/httpapi.go MediaTypeFormatAndVersion).
inline constexpr std::string_view kWebhookMediaType =
    "application/external.dns.webhook+json;version=1";

// One endpoint as the provider sent it. `raw` is the object itself, kept whole so that an
// UpdateOld repeats exactly what was read (labels, providerSpecific, setIdentifier and any member
// a later protocol adds) and an UpdateNew changes only targets and TTL.
struct WebhookEndpoint {
  nlohmann::json raw;
  std::string dns_name;        // canonical (lower case, trailing dot)
  std::string record_type;     // upper case
  std::string set_identifier;  // "" when absent
  std::vector<std::string> targets;
  std::int64_t ttl = 0;  // recordTTL; 0: not set (the provider's default)
};

// The endpoints of a JSON array (GET /records, POST /adjustendpoints); `null` is the empty list
// (a Go nil slice). Otherwise what is wrong, naming the member and the entry.
std::variant<std::vector<WebhookEndpoint>, std::string> parseWebhookEndpoints(
    const std::string& body);

// A new endpoint as external-dns writes one: dnsName without the trailing dot, targets as given.
nlohmann::json webhookEndpoint(std::string_view name, std::string_view type,
                               const std::vector<std::string>& targets, std::uint32_t ttl);

// CURRENT with its targets and TTL replaced: the UpdateNew of an UpdateOld.
nlohmann::json webhookUpdated(const nlohmann::json& current,
                              const std::vector<std::string>& targets, std::uint32_t ttl);

// A CNAME target as external-dns sends it (endpoint.NewEndpointWithTTL trims the trailing dot of
// every type but TXT, NAPTR and SRV).
std::string webhookCnameTarget(std::string_view canonical_target);

// A TXT target as external-dns' own TXT registry writes one: the text in double quotes
// (registry/txt/registry.go: Labels.Serialize(withQuotes=true)). Read back, a target in quotes is
// unquoted as zone-file text, any other taken as it is (providers differ in what they return).
std::string webhookTxtTarget(std::string_view value);
std::optional<std::string> webhookTxtValue(std::string_view target);

// plan.Changes: the four lists, empty ones left out (omitempty).
struct WebhookChanges {
  std::vector<nlohmann::json> create;
  std::vector<nlohmann::json> update_old;
  std::vector<nlohmann::json> update_new;
  std::vector<nlohmann::json> remove;  // "delete"
  bool empty() const {
    return create.empty() && update_old.empty() && update_new.empty() && remove.empty();
  }
};

// The body of POST /records. The keys are lower case ("create", "updateOld", "updateNew",
// "delete"), as external-dns sends them since v0.17.0 (plan.Changes got json tags in #5355, commit
// 923a6d9) and as api/webhook.yaml has always documented them; older external-dns sent the Go
// field names ("Create", ...). Providers written in Go decode either, since encoding/json matches
// object keys case-insensitively, so the lower-case form serves old and new providers alike.
std::string webhookChangesBody(const WebhookChanges& changes);

// endpoint.DomainFilter as negotiation sends it: {"include": [...], "exclude": [...]} or
// {"regexInclude": "...", "regexExclude": "..."}; "filters" (api/webhook.yaml's example) is read
// as "include".
struct WebhookDomainFilter {
  std::vector<std::string> include;  // normalised: lower case, no trailing dot
  std::vector<std::string> exclude;
  std::string regex_include;
  std::string regex_exclude;

  // Whether the provider manages NAME, as DomainFilter.Match decides (an empty include list
  // matches everything; "example.com" matches itself and every name below it). Regular
  // expressions are Go RE2: checked with std::regex (ECMAScript) when they compile, else taken as
  // matching (the provider decides then).
  bool matches(std::string_view name) const;
  // "include [a, b], exclude [c]", for messages.
  std::string describe() const;
};

std::variant<WebhookDomainFilter, std::string> parseWebhookDomainFilter(const std::string& body);

}  // namespace planb::providers
