#include "providers/cloudflare_listing.hpp"

#include <nlohmann/json.hpp>

#include "core/dns_name.hpp"

namespace planb::providers {

namespace {

using Json = nlohmann::json;

CloudflareAttributes attributesOf(const Json& r) {
  CloudflareAttributes kept;
  if (auto proxied = r.find("proxied"); proxied != r.end() && !proxied->is_null()) {
    kept.proxied = proxied->get<bool>();
  }
  if (auto comment = r.find("comment"); comment != r.end() && !comment->is_null()) {
    kept.comment = comment->get<std::string>();
  }
  if (auto tags = r.find("tags"); tags != r.end() && !tags->is_null()) {
    kept.tags = tags->get<std::vector<std::string>>();
  }
  if (auto settings = r.find("settings"); settings != r.end() && settings->is_object()) {
    kept.settings = settings->dump();
  }
  return kept;
}

}  // namespace

CloudflareListingPage parseCloudflareListing(const Json& envelope) {
  CloudflareListingPage page;
  for (const Json& r : envelope.at("result")) {
    CloudflareRecord record;
    record.id = r.at("id").get<std::string>();
    record.type = r.at("type").get<std::string>();
    record.name =
        r.contains("name") ? core::canonicalName(r.at("name").get<std::string>()) : std::string();
    record.content = r.at("content").get<std::string>();
    record.ttl = r.contains("ttl") ? r.at("ttl").get<std::uint32_t>() : kCloudflareAutoTtl;
    record.attributes = attributesOf(r);
    page.records.push_back(std::move(record));
  }
  if (auto info = envelope.find("result_info");
      info != envelope.end() && info->is_object() && info->contains("total_pages")) {
    page.total_pages = info->at("total_pages").get<int>();
  }
  return page;
}

}  // namespace planb::providers
