#include "providers/webhook_endpoint.hpp"

#include <algorithm>
#include <limits>
#include <regex>

#include "core/ascii.hpp"
#include "core/dns_name.hpp"
#include "providers/reply_text.hpp"
#include "providers/txt_zone_text.hpp"

namespace planb::providers {

namespace {

using nlohmann::json;

std::string webhookUpper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  });
  return text;
}

// What is wrong with ENTRY as an endpoint, or "" when it is one; fills OUT.
std::string readWebhookEndpoint(const json& entry, WebhookEndpoint& out) {
  if (!entry.is_object()) {
    return "is not an object";
  }
  auto name = entry.find("dnsName");
  if (name == entry.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
    return "has no \"dnsName\" string";
  }
  auto type = entry.find("recordType");
  if (type == entry.end() || !type->is_string()) {
    return "has no \"recordType\" string";
  }
  out.dns_name = core::canonicalName(name->get_ref<const std::string&>());
  out.record_type = webhookUpper(type->get<std::string>());
  auto set = entry.find("setIdentifier");
  if (set != entry.end() && !set->is_null()) {
    if (!set->is_string()) {
      return "has a \"setIdentifier\" that is not a string";
    }
    out.set_identifier = set->get<std::string>();
  }
  auto targets = entry.find("targets");
  if (targets != entry.end() && !targets->is_null()) {
    if (!targets->is_array()) {
      return "has \"targets\" that are not an array";
    }
    for (const json& target : *targets) {
      if (!target.is_string()) {
        return "has a target that is not a string";
      }
      out.targets.push_back(target.get<std::string>());
    }
  }
  auto ttl = entry.find("recordTTL");
  if (ttl != entry.end() && !ttl->is_null()) {
    // endpoint.TTL is an int64; a DNS TTL is at most 2^31 - 1 (RFC 2181 §8).
    if (!ttl->is_number_integer() || ttl->get<std::int64_t>() < 0 ||
        ttl->get<std::int64_t>() > std::numeric_limits<std::int32_t>::max()) {
      return "has a \"recordTTL\" that is not a TTL";
    }
    out.ttl = ttl->get<std::int64_t>();
  }
  auto labels = entry.find("labels");
  if (labels != entry.end() && !labels->is_null() && !labels->is_object()) {
    return "has \"labels\" that are not an object";
  }
  auto specific = entry.find("providerSpecific");
  if (specific != entry.end() && !specific->is_null() && !specific->is_array()) {
    return "has \"providerSpecific\" that is not an array";
  }
  out.raw = entry;
  return "";
}

std::string webhookNormalisedFilter(std::string_view filter) {
  std::string out = core::asciiLower(filter);
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) {
    out.pop_back();
  }
  out.erase(0, out.find_first_not_of(" \t"));
  if (!out.empty() && out.back() == '.') {
    out.pop_back();
  }
  return out;
}

bool webhookEndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::size_t webhookDots(std::string_view text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '.'));
}

// DomainFilter's matchFilter (endpoint/domain_filter.go): ".example.com" matches names below it,
// "example.com" itself and names below it.
bool matchWebhookFilter(const std::vector<std::string>& filters, std::string_view name,
                        bool when_empty) {
  if (filters.empty()) {
    return when_empty;
  }
  for (const std::string& filter : filters) {
    if (filter.empty()) {
      continue;
    }
    if ((filter.front() == '.' && webhookEndsWith(name, filter)) ||
        (webhookDots(name) == webhookDots(filter) && name == filter) ||
        webhookEndsWith(name, "." + filter)) {
      return true;
    }
  }
  return false;
}

// Whether NAME matches PATTERN; nullopt when std::regex cannot compile it (RE2-only syntax).
std::optional<bool> webhookRegexMatches(const std::string& pattern, const std::string& name) {
  try {
    return std::regex_search(name, std::regex(pattern, std::regex::ECMAScript));
  } catch (const std::regex_error&) {
    return std::nullopt;
  }
}

std::string webhookJoined(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const std::string& item : items) {
    out += (out.size() > 1 ? ", " : "") + item;
  }
  return out + "]";
}

// A JSON list of strings at KEY of OBJECT into OUT, normalised; what is wrong otherwise.
std::string readWebhookFilterList(const json& object, const char* key,
                                  std::vector<std::string>& out) {
  auto list = object.find(key);
  if (list == object.end() || list->is_null()) {
    return "";
  }
  if (!list->is_array()) {
    return std::string("\"") + key + "\" is not an array";
  }
  for (const json& item : *list) {
    if (!item.is_string()) {
      return std::string("\"") + key + "\" holds something other than a string";
    }
    if (std::string filter = webhookNormalisedFilter(item.get_ref<const std::string&>());
        !filter.empty()) {
      out.push_back(std::move(filter));
    }
  }
  return "";
}

std::string readWebhookFilterRegex(const json& object, const char* key, std::string& out) {
  auto regex = object.find(key);
  if (regex == object.end() || regex->is_null()) {
    return "";
  }
  if (!regex->is_string()) {
    return std::string("\"") + key + "\" is not a string";
  }
  out = regex->get<std::string>();
  return "";
}

}  // namespace

std::variant<std::vector<WebhookEndpoint>, std::string> parseWebhookEndpoints(
    const std::string& body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return std::string("the body is not JSON");
  }
  std::vector<WebhookEndpoint> endpoints;
  if (parsed.is_null()) {
    return endpoints;
  }
  if (!parsed.is_array()) {
    return std::string("the body is not a JSON array of endpoints");
  }
  endpoints.reserve(parsed.size());
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    WebhookEndpoint endpoint;
    std::string wrong = readWebhookEndpoint(parsed[i], endpoint);
    if (!wrong.empty()) {
      return "endpoint " + std::to_string(i) + " " + wrong;
    }
    endpoints.push_back(std::move(endpoint));
  }
  return endpoints;
}

json webhookEndpoint(std::string_view name, std::string_view type,
                     const std::vector<std::string>& targets, std::uint32_t ttl) {
  json endpoint = json::object();
  endpoint["dnsName"] = withoutDot(core::asciiLower(name));
  endpoint["targets"] = targets;
  endpoint["recordType"] = std::string(type);
  endpoint["recordTTL"] = ttl;
  return endpoint;
}

json webhookUpdated(const json& current, const std::vector<std::string>& targets,
                    std::uint32_t ttl) {
  json updated = current;
  updated["targets"] = targets;
  updated["recordTTL"] = ttl;
  return updated;
}

std::string webhookCnameTarget(std::string_view canonical_target) {
  return withoutDot(canonical_target);
}

std::string webhookTxtTarget(std::string_view value) {
  return quoteTxt(value);
}

std::optional<std::string> webhookTxtValue(std::string_view target) {
  if (target.size() >= 2 && target.front() == '"' && target.back() == '"') {
    return unquoteTxt(target);
  }
  return std::string(target);
}

std::string webhookChangesBody(const WebhookChanges& changes) {
  nlohmann::ordered_json body = nlohmann::ordered_json::object();
  auto add = [&body](const char* key, const std::vector<json>& list) {
    if (!list.empty()) {
      body[key] = list;
    }
  };
  add("create", changes.create);
  add("updateOld", changes.update_old);
  add("updateNew", changes.update_new);
  add("delete", changes.remove);
  return body.dump();
}

bool WebhookDomainFilter::matches(std::string_view name) const {
  const std::string stripped = webhookNormalisedFilter(name);
  if (!regex_include.empty() || !regex_exclude.empty()) {
    if (!regex_exclude.empty() && webhookRegexMatches(regex_exclude, stripped).value_or(false)) {
      return false;
    }
    return regex_include.empty() || webhookRegexMatches(regex_include, stripped).value_or(true);
  }
  return matchWebhookFilter(include, stripped, true) &&
         !matchWebhookFilter(exclude, stripped, false);
}

std::string WebhookDomainFilter::describe() const {
  if (!regex_include.empty() || !regex_exclude.empty()) {
    return "regexInclude \"" + regex_include + "\", regexExclude \"" + regex_exclude + "\"";
  }
  std::string out =
      "include " + (include.empty() ? std::string("everything") : webhookJoined(include));
  if (!exclude.empty()) {
    out += ", exclude " + webhookJoined(exclude);
  }
  return out;
}

std::variant<WebhookDomainFilter, std::string> parseWebhookDomainFilter(const std::string& body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return std::string("the body is not JSON");
  }
  if (!parsed.is_object()) {
    return std::string("the body is not a JSON object (a domain filter)");
  }
  WebhookDomainFilter filter;
  for (std::string wrong : {readWebhookFilterList(parsed, "include", filter.include),
                            readWebhookFilterList(parsed, "filters", filter.include),
                            readWebhookFilterList(parsed, "exclude", filter.exclude),
                            readWebhookFilterRegex(parsed, "regexInclude", filter.regex_include),
                            readWebhookFilterRegex(parsed, "regexExclude", filter.regex_exclude)}) {
    if (!wrong.empty()) {
      return "the domain filter's " + wrong;
    }
  }
  std::sort(filter.include.begin(), filter.include.end());
  filter.include.erase(std::unique(filter.include.begin(), filter.include.end()),
                       filter.include.end());
  return filter;
}

}  // namespace planb::providers
