#pragma once
// The codec of Cloudflare's DNS record listings (GET /zones/{id}/dns_records): one page of the
// envelope to the records it lists, with what each carries beside what planb manages.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace planb::providers {

// A record's attributes that planb does not manage and leaves exactly as they are on every write
// (its writes are PATCHes naming only type, name, content and TTL). Read with the record.
struct CloudflareAttributes {
  // Orange cloud: Cloudflare answers with its own addresses and proxies to the CNAME's target.
  // Such a record's TTL is always Auto (https://developers.cloudflare.com/dns/proxy-status/), so
  // planb sends none for it.
  bool proxied = false;
  std::optional<std::string> comment;
  std::vector<std::string> tags;
  std::string settings = "{}";  // the record's "settings" object, as JSON text
};

struct CloudflareRecord {
  std::string id;
  std::string type;
  std::string name;  // canonical (lower case, trailing dot); empty when the reply has none
  std::string content;
  std::uint32_t ttl = 1;  // as the API holds it: 1 is Auto
  CloudflareAttributes attributes;
};

struct CloudflareListingPage {
  std::vector<CloudflareRecord> records;
  int total_pages = 1;  // result_info.total_pages; 1 when the reply has none
};

// TTL 1 means Auto, which Cloudflare serves as 300 s
// (https://developers.cloudflare.com/dns/manage-dns-records/reference/ttl/).
inline constexpr std::uint32_t kCloudflareAutoTtl = 1;
inline constexpr std::uint32_t kCloudflareAutoTtlSeconds = 300;
inline std::uint32_t cloudflareServedTtl(std::uint32_t ttl) {
  return ttl == kCloudflareAutoTtl ? kCloudflareAutoTtlSeconds : ttl;
}

// One page of a listing, from its whole envelope. Absent or null attributes are the API's
// defaults (not proxied, no comment, no tags). Throws nlohmann::json::exception when the reply is
// not a listing (no result array, a record without id, type or content, a field of another type).
CloudflareListingPage parseCloudflareListing(const nlohmann::json& envelope);

}  // namespace planb::providers
