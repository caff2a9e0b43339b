#include "providers/route53_provider.hpp"

#include <tinyxml2.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <stdexcept>

#include "core/ascii.hpp"
#include "net/credential_file.hpp"
#include "net/server_text.hpp"
#include "net/url.hpp"
#include "providers/ceiling_transport.hpp"

namespace planb::providers {

namespace {

constexpr std::string_view kApi = "/2013-04-01";
// A name holds a handful of record sets; more pages than this means a server that never stops.
constexpr int kMaxPages = 100;
// A whole-zone listing: 300 sets a page, so a zone of 300,000 sets (Route 53's default quota is
// 10,000 per hosted zone).
constexpr int kMaxZonePages = 1000;

std::string trimmed(std::string_view s) {
  auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return "";
  }
  auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

ProviderError permanent(std::string message) {
  return ProviderError{ErrorKind::Permanent, std::move(message), std::nullopt};
}

std::string_view localName(const tinyxml2::XMLElement* element) {
  std::string_view name = element->Name();
  auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// The first child element called NAME, whatever namespace prefix the server used.
const tinyxml2::XMLElement* child(const tinyxml2::XMLElement* parent, std::string_view name) {
  if (parent == nullptr) {
    return nullptr;
  }
  for (auto* e = parent->FirstChildElement(); e != nullptr; e = e->NextSiblingElement()) {
    if (localName(e) == name) {
      return e;
    }
  }
  return nullptr;
}

std::vector<const tinyxml2::XMLElement*> children(const tinyxml2::XMLElement* parent,
                                                  std::string_view name) {
  std::vector<const tinyxml2::XMLElement*> out;
  if (parent == nullptr) {
    return out;
  }
  for (auto* e = parent->FirstChildElement(); e != nullptr; e = e->NextSiblingElement()) {
    if (localName(e) == name) {
      out.push_back(e);
    }
  }
  return out;
}

std::optional<std::string> textOf(const tinyxml2::XMLElement* parent, std::string_view name) {
  const tinyxml2::XMLElement* e = child(parent, name);
  if (e == nullptr) {
    return std::nullopt;
  }
  const char* text = e->GetText();
  return trimmed(text == nullptr ? "" : text);
}

// Parses BODY and checks that its root element is called ROOT.
Result<const tinyxml2::XMLElement*> rootOf(tinyxml2::XMLDocument& doc, const std::string& body,
                                           std::string_view root) {
  if (doc.Parse(body.data(), body.size()) != tinyxml2::XML_SUCCESS) {
    return permanent("malformed XML in the reply (" + std::string(doc.ErrorName()) + ")");
  }
  const tinyxml2::XMLElement* element = doc.RootElement();
  if (element == nullptr || localName(element) != root) {
    return permanent("unexpected reply: expected <" + std::string(root) + ">, got <" +
                     (element == nullptr ? std::string() : std::string(localName(element))) + ">");
  }
  return element;
}

bool isTrue(const std::optional<std::string>& text) {
  return text && core::asciiLower(*text) == "true";
}

std::string xmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

bool isAnyOf(std::string_view code, std::initializer_list<std::string_view> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

// InvalidChangeBatch messages that mean "the record is not what the batch assumed": a lost
// compare-and-swap, not a bad request.
bool isLostRace(std::string_view message) {
  std::string m = core::asciiLower(message);
  return m.find("values provided do not match") != std::string::npos ||
         m.find("already exists") != std::string::npos ||
         m.find("but it was not found") != std::string::npos ||
         m.find("conflicts with other records") != std::string::npos;
}

std::string describeServed(const ServedRecord& served) {
  switch (served.kind) {
    case ServedRecord::Kind::Absent:
      return "it now has no CNAME";
    case ServedRecord::Kind::Cname:
      return "it now points to " + served.target;
    case ServedRecord::Kind::Conflict:
      return "it now holds " + served.conflict_type;
  }
  return "";
}

}  // namespace

// ---- codec ----

namespace route53 {

std::string canonicalName(std::string_view served) {
  std::string out;
  for (std::size_t i = 0; i < served.size(); ++i) {
    char c = served[i];
    auto octal = [&](std::size_t k) { return served[k] >= '0' && served[k] <= '7'; };
    if (c == '\\' && i + 3 < served.size() && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
      int value = (served[i + 1] - '0') * 64 + (served[i + 2] - '0') * 8 + (served[i + 3] - '0');
      out += static_cast<char>(value);
      i += 3;
      continue;
    }
    out += c;
  }
  out = core::asciiLower(out);
  if (out.empty() || out.back() != '.') {
    out += '.';
  }
  return out;
}

std::string stripIdPrefix(std::string_view id) {
  auto slash = id.rfind('/');
  return std::string(slash == std::string_view::npos ? id : id.substr(slash + 1));
}

std::string batchComment(std::string_view comment) {
  if (comment.size() <= kRoute53MaxComment) {
    return std::string(comment);
  }
  constexpr std::string_view kCut = "...";
  std::size_t keep = kRoute53MaxComment - kCut.size();
  // Back to the start of a UTF-8 sequence: continuation bytes are 10xxxxxx.
  while (keep > 0 && (static_cast<unsigned char>(comment[keep]) & 0xC0) == 0x80) {
    --keep;
  }
  return std::string(comment.substr(0, keep)) + std::string(kCut);
}

std::string signingRegionOf(std::string_view host) {
  // The partitions' Route 53 endpoints and their SigV4 regions, from botocore
  // data/route53/2013-04-01/endpoint-rule-set-1.json (aws us-east-1, aws-cn cn-northwest-1,
  // aws-us-gov us-gov-west-1, aws-iso us-iso-east-1, aws-iso-b us-isob-east-1) and the AWS General
  // Reference "Amazon Route 53 endpoints and quotas"
  // (https://docs.aws.amazon.com/general/latest/gr/r53.html).
  std::string h = core::asciiLower(host);
  if (auto colon = h.rfind(':'); colon != std::string::npos && h.find(']') == std::string::npos) {
    h.erase(colon);  // the port
  }
  while (!h.empty() && h.back() == '.') {
    h.pop_back();
  }
  auto under = [&](std::string_view suffix) {
    return h == suffix.substr(1) || h.ends_with(suffix);
  };
  if (under(".amazonaws.com.cn")) {
    return "cn-northwest-1";
  }
  if (under(".us-gov.amazonaws.com")) {
    return "us-gov-west-1";
  }
  if (under(".c2s.ic.gov")) {
    return "us-iso-east-1";
  }
  if (under(".sc2s.sgov.gov")) {
    return "us-isob-east-1";
  }
  return "us-east-1";
}

std::string changeBatchXml(const std::vector<Change>& changes, std::string_view comment) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += "<ChangeResourceRecordSetsRequest xmlns=\"" + std::string(kRoute53Namespace) + "\">";
  xml += "<ChangeBatch>";
  if (!comment.empty()) {
    xml += "<Comment>" + xmlEscape(batchComment(comment)) + "</Comment>";
  }
  xml += "<Changes>";
  for (const Change& change : changes) {
    // Schema order: Name, Type, (SetIdentifier … MultiValueAnswer), TTL, ResourceRecords.
    xml += "<Change><Action>" + change.action + "</Action><ResourceRecordSet>";
    xml += "<Name>" + xmlEscape(change.name) + "</Name>";
    xml += "<Type>" + change.type + "</Type>";
    xml += "<TTL>" + std::to_string(change.ttl) + "</TTL>";
    xml += "<ResourceRecords>";
    for (const std::string& value : change.values) {
      xml += "<ResourceRecord><Value>" + xmlEscape(value) + "</Value></ResourceRecord>";
    }
    xml += "</ResourceRecords>";
    if (change.health_check_id) {
      xml += "<HealthCheckId>" + xmlEscape(*change.health_check_id) + "</HealthCheckId>";
    }
    xml += "</ResourceRecordSet></Change>";
  }
  xml += "</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>";
  return xml;
}

std::string quoteTxt(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte >= 0x7F) {
      // Route 53 takes these only as three-digit octal codes.
      out += '\\';
      out += static_cast<char>('0' + (byte >> 6));
      out += static_cast<char>('0' + ((byte >> 3) & 7));
      out += static_cast<char>('0' + (byte & 7));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string unquoteTxt(std::string_view value) {
  std::string out;
  std::size_t i = 0;
  auto octal = [&](std::size_t k) {
    return k < value.size() && value[k] >= '0' && value[k] <= '7';
  };
  while (i < value.size()) {
    if (value[i] == ' ' || value[i] == '\t') {
      ++i;
      continue;
    }
    const bool quoted = value[i] == '"';
    if (quoted) {
      ++i;
    }
    // One character-string: to the closing quote, or to the next blank when unquoted.
    while (i < value.size()) {
      const char c = value[i];
      if (quoted ? c == '"' : (c == ' ' || c == '\t')) {
        break;
      }
      if (c == '\\' && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
        out += static_cast<char>((value[i + 1] - '0') * 64 + (value[i + 2] - '0') * 8 +
                                 (value[i + 3] - '0'));
        i += 4;
      } else if (c == '\\' && i + 1 < value.size()) {
        out += value[i + 1];
        i += 2;
      } else {
        out += c;
        ++i;
      }
    }
    if (quoted && i < value.size()) {
      ++i;  // the closing quote
    }
  }
  return out;
}

Result<RecordPage> parseRecordPage(const std::string& body) {
  tinyxml2::XMLDocument doc;
  auto root = rootOf(doc, body, "ListResourceRecordSetsResponse");
  if (auto* error = errorIn(root)) {
    return std::move(*error);
  }
  const tinyxml2::XMLElement* response = std::get<const tinyxml2::XMLElement*>(root);
  const tinyxml2::XMLElement* sets = child(response, "ResourceRecordSets");
  if (sets == nullptr) {
    return permanent("unexpected reply: no <ResourceRecordSets>");
  }
  RecordPage page;
  for (const tinyxml2::XMLElement* e : children(sets, "ResourceRecordSet")) {
    RecordSet set;
    std::optional<std::string> name = textOf(e, "Name");
    std::optional<std::string> type = textOf(e, "Type");
    if (!name || name->empty() || !type || type->empty()) {
      return permanent("unexpected reply: a <ResourceRecordSet> without <Name> or <Type>");
    }
    set.name = *name;
    set.type = *type;
    if (std::optional<std::string> ttl = textOf(e, "TTL")) {
      std::uint32_t value = 0;
      auto [end, ec] = std::from_chars(ttl->data(), ttl->data() + ttl->size(), value);
      if (ec != std::errc() || end != ttl->data() + ttl->size()) {
        return permanent("unexpected reply: TTL \"" + net::quoteServerText(*ttl) + "\" of " +
                         set.name + " is not a number");
      }
      set.ttl = value;
    }
    set.set_identifier = textOf(e, "SetIdentifier");
    set.alias = child(e, "AliasTarget") != nullptr;
    set.health_check_id = textOf(e, "HealthCheckId");
    set.traffic_policy_instance_id = textOf(e, "TrafficPolicyInstanceId");
    for (const tinyxml2::XMLElement* record :
         children(child(e, "ResourceRecords"), "ResourceRecord")) {
      std::optional<std::string> value = textOf(record, "Value");
      if (!value) {
        return permanent("unexpected reply: a <ResourceRecord> of " + set.name +
                         " without <Value>");
      }
      set.values.push_back(*value);
    }
    page.sets.push_back(std::move(set));
  }
  page.truncated = isTrue(textOf(response, "IsTruncated"));
  page.next_name = textOf(response, "NextRecordName");
  page.next_type = textOf(response, "NextRecordType");
  page.next_identifier = textOf(response, "NextRecordIdentifier");
  return page;
}

Result<ZonePage> parseZonePage(const std::string& body) {
  tinyxml2::XMLDocument doc;
  auto root = rootOf(doc, body, "ListHostedZonesByNameResponse");
  if (auto* error = errorIn(root)) {
    return std::move(*error);
  }
  const tinyxml2::XMLElement* response = std::get<const tinyxml2::XMLElement*>(root);
  const tinyxml2::XMLElement* zones = child(response, "HostedZones");
  if (zones == nullptr) {
    return permanent("unexpected reply: no <HostedZones>");
  }
  ZonePage page;
  for (const tinyxml2::XMLElement* e : children(zones, "HostedZone")) {
    std::optional<std::string> id = textOf(e, "Id");
    std::optional<std::string> name = textOf(e, "Name");
    if (!id || id->empty() || !name || name->empty()) {
      return permanent("unexpected reply: a <HostedZone> without <Id> or <Name>");
    }
    page.zones.push_back(
        HostedZone{stripIdPrefix(*id), *name, isTrue(textOf(child(e, "Config"), "PrivateZone"))});
  }
  page.truncated = isTrue(textOf(response, "IsTruncated"));
  page.next_dns_name = textOf(response, "NextDNSName");
  if (std::optional<std::string> next = textOf(response, "NextHostedZoneId")) {
    page.next_zone_id = stripIdPrefix(*next);
  }
  return page;
}

Result<ChangeInfo> parseChangeInfo(const std::string& body) {
  tinyxml2::XMLDocument doc;
  if (doc.Parse(body.data(), body.size()) != tinyxml2::XML_SUCCESS) {
    return permanent("malformed XML in the reply (" + std::string(doc.ErrorName()) + ")");
  }
  // ChangeResourceRecordSetsResponse and GetChangeResponse both wrap one ChangeInfo.
  const tinyxml2::XMLElement* info = child(doc.RootElement(), "ChangeInfo");
  std::optional<std::string> id = textOf(info, "Id");
  std::optional<std::string> status = textOf(info, "Status");
  if (!id || id->empty() || !status || status->empty()) {
    return permanent("unexpected reply: no <ChangeInfo> with <Id> and <Status>");
  }
  return ChangeInfo{stripIdPrefix(*id), *status};
}

Result<HostedZoneDetail> parseHostedZone(const std::string& body) {
  tinyxml2::XMLDocument doc;
  auto root = rootOf(doc, body, "GetHostedZoneResponse");
  if (auto* error = errorIn(root)) {
    return std::move(*error);
  }
  const tinyxml2::XMLElement* response = std::get<const tinyxml2::XMLElement*>(root);
  const tinyxml2::XMLElement* zone = child(response, "HostedZone");
  std::optional<std::string> id = textOf(zone, "Id");
  std::optional<std::string> name = textOf(zone, "Name");
  if (!id || id->empty() || !name || name->empty()) {
    return permanent("unexpected reply: no <HostedZone> with <Id> and <Name>");
  }
  HostedZoneDetail detail;
  detail.zone =
      HostedZone{stripIdPrefix(*id), *name, isTrue(textOf(child(zone, "Config"), "PrivateZone"))};
  // Route 53 names them without the trailing dot (API_GetHostedZone examples).
  for (const tinyxml2::XMLElement* server :
       children(child(child(response, "DelegationSet"), "NameServers"), "NameServer")) {
    const char* text = server->GetText();
    const std::string host = trimmed(text == nullptr ? "" : text);
    if (host.empty()) {
      return permanent("unexpected reply: an empty <NameServer>");
    }
    detail.name_servers.push_back(canonicalName(host));
  }
  std::sort(detail.name_servers.begin(), detail.name_servers.end());
  detail.name_servers.erase(std::unique(detail.name_servers.begin(), detail.name_servers.end()),
                            detail.name_servers.end());
  return detail;
}

std::optional<ErrorBody> parseErrorBody(const std::string& body) {
  tinyxml2::XMLDocument doc;
  if (doc.Parse(body.data(), body.size()) != tinyxml2::XML_SUCCESS ||
      doc.RootElement() == nullptr) {
    return std::nullopt;
  }
  const tinyxml2::XMLElement* root = doc.RootElement();
  if (localName(root) == "ErrorResponse") {
    const tinyxml2::XMLElement* error = child(root, "Error");
    std::optional<std::string> code = textOf(error, "Code");
    if (!code || code->empty()) {
      return std::nullopt;
    }
    return ErrorBody{*code, textOf(error, "Message").value_or("")};
  }
  // <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>: the shape
  // Netflix's denominator decodes for Route 53's Throttling, PriorRequestNotComplete,
  // RequestExpired and InternalFailure (route53/src/test/java/denominator/route53/
  // Route53ErrorDecoderTest.java).
  if (localName(root) == "Response") {
    const tinyxml2::XMLElement* error = child(child(root, "Errors"), "Error");
    std::optional<std::string> code = textOf(error, "Code");
    if (!code || code->empty()) {
      return std::nullopt;
    }
    return ErrorBody{*code, textOf(error, "Message").value_or("")};
  }
  if (localName(root) == "InvalidChangeBatch") {
    std::string joined;
    for (const tinyxml2::XMLElement* m : children(child(root, "Messages"), "Message")) {
      const char* text = m->GetText();
      joined += (joined.empty() ? "" : "; ") + trimmed(text == nullptr ? "" : text);
    }
    return ErrorBody{"InvalidChangeBatch", joined};
  }
  return std::nullopt;
}

ChangeCost costOf(const Change& change) {
  const unsigned weight = change.action == "UPSERT" ? 2 : 1;
  ChangeCost cost;
  for (const std::string& value : change.values) {
    cost.resource_records += weight;
    cost.value_characters += weight * static_cast<unsigned>(value.size());
  }
  return cost;
}

std::vector<std::vector<std::size_t>> splitByLimits(const std::vector<std::vector<Change>>& units,
                                                    const Route53BatchLimits& limits) {
  std::vector<std::vector<std::size_t>> batches;
  ChangeCost used;
  unsigned changes = 0;
  for (std::size_t i = 0; i < units.size(); ++i) {
    ChangeCost cost;
    for (const Change& change : units[i]) {
      ChangeCost one = costOf(change);
      cost.resource_records += one.resource_records;
      cost.value_characters += one.value_characters;
    }
    const auto count = static_cast<unsigned>(units[i].size());
    const bool fits = used.resource_records + cost.resource_records <= limits.resource_records &&
                      used.value_characters + cost.value_characters <= limits.value_characters &&
                      changes + count <= limits.changes;
    if (batches.empty() || (!fits && changes > 0)) {
      batches.emplace_back();
      used = {};
      changes = 0;
    }
    batches.back().push_back(i);
    used.resource_records += cost.resource_records;
    used.value_characters += cost.value_characters;
    changes += count;
  }
  return batches;
}

std::vector<std::string> namesInRefusal(std::string_view message) {
  std::vector<std::string> names;
  auto add = [&](std::string_view served) {
    std::string name = canonicalName(served);
    if (served.empty() || std::find(names.begin(), names.end(), name) != names.end()) {
      return;
    }
    names.push_back(std::move(name));
  };
  // "[name='www.example.com.', type='CNAME']" in "Tried to delete/create resource record set …".
  for (auto at = message.find("name='"); at != std::string_view::npos;
       at = message.find("name='", at)) {
    at += 6;
    auto end = message.find('\'', at);
    if (end == std::string_view::npos) {
      break;
    }
    add(message.substr(at, end - at));
  }
  // "RRSet of type CNAME with DNS name www.example.com. is not permitted …".
  for (auto at = message.find("DNS name "); at != std::string_view::npos;
       at = message.find("DNS name ", at)) {
    at += 9;
    auto end = message.find_first_of(" ,;]", at);
    add(message.substr(at, end == std::string_view::npos ? end : end - at));
  }
  return names;
}

ProviderError classifyError(const net::HttpResponse& response, std::string_view what) {
  std::optional<ErrorBody> body = parseErrorBody(response.body);
  const long status = response.status;
  std::string detail = "HTTP " + std::to_string(status);
  if (body) {
    detail = body->code + " (" + detail + ")";
    if (!body->message.empty()) {
      detail += ": " + net::quoteServerText(body->message);
    }
  } else if (!response.body.empty()) {
    detail += " with a reply that is not a Route 53 error document";
  }
  const std::string code = body ? body->code : "";

  ErrorKind kind = ErrorKind::Permanent;
  if (isAnyOf(code, {"Throttling", "ThrottlingException", "PriorRequestNotComplete",
                     "RequestLimitExceeded", "TooManyRequestsException", "SlowDown"}) ||
      status == 429) {
    // PriorRequestNotComplete: the zone is still busy with an earlier change; botocore retries
    // it like throttling.
    kind = ErrorKind::RateLimited;
  } else if (status >= 500) {
    kind = ErrorKind::Transient;
  } else if (isAnyOf(code, {"SignatureDoesNotMatch", "InvalidClientTokenId", "AccessDenied",
                            "AccessDeniedException", "IncompleteSignature",
                            "MissingAuthenticationToken", "InvalidSignatureException",
                            "UnrecognizedClientException", "ExpiredToken", "ExpiredTokenException",
                            "RequestExpired", "RequestTimeTooSkewed", "NotAuthorized"}) ||
             status == 401 || status == 403) {
    kind = ErrorKind::Auth;
    // What the operator checks; never a value.
    if (code == "SignatureDoesNotMatch") {
      detail +=
          " (wrong secret access key, a signing region other than the endpoint's partition, or "
          "this host's clock more than 5 minutes off)";
    } else if (code == "RequestExpired" || code == "RequestTimeTooSkewed") {
      detail += " (this host's clock is more than 5 minutes off)";
    } else if (isAnyOf(code, {"ExpiredToken", "ExpiredTokenException"})) {
      detail += " (the session token has expired: renew the temporary credentials)";
    } else if (isAnyOf(code, {"InvalidClientTokenId", "UnrecognizedClientException"})) {
      detail +=
          " (the access key id, or the session token that goes with it, is not known in this "
          "partition)";
    } else if (isAnyOf(code, {"AccessDenied", "AccessDeniedException", "NotAuthorized"})) {
      detail +=
          " (the credentials are valid but lack a Route 53 permission: route53:"
          "ListHostedZonesByName, ListResourceRecordSets, ChangeResourceRecordSets, GetChange, "
          "GetHostedZone)";
    }
  } else if (isAnyOf(code, {"NoSuchHostedZone", "NoSuchChange"}) || status == 404) {
    kind = ErrorKind::NotFound;
  }
  std::optional<std::chrono::milliseconds> after;
  if (kind == ErrorKind::RateLimited || kind == ErrorKind::Transient) {
    after = net::retryAfterOf(response);
  }
  return ProviderError{kind, std::string(what) + ": " + detail, after};
}

}  // namespace route53

// ---- provider ----

struct Route53Provider::Current {
  ServedRecord served;
  std::string raw_name;                        // the set's Name as served, for an exact DELETE
  std::string raw_value;                       // its one value as served
  std::optional<std::string> health_check_id;  // repeated in the DELETE, kept in the CREATE
};

Route53Provider::Route53Provider(const Route53Config& config,
                                 std::shared_ptr<net::HttpTransport> transport,
                                 Route53Options options)
    : name_(config.name),
      transport_(behindCeiling(std::move(transport), options.ceiling, kRoute53Ceiling)),
      options_(std::move(options)) {
  if (!transport_) {
    throw std::invalid_argument("provider \"" + name_ + "\": no HTTP transport");
  }
  if (!options_.clock) {
    options_.clock = [] { return std::chrono::system_clock::now(); };
  }
  options_.list_page_size = std::clamp(options_.list_page_size, 1U, 300U);
  options_.zone_page_size = std::clamp(options_.zone_page_size, 1U, 300U);
  options_.max_batch_rounds = std::max(options_.max_batch_rounds, 1);

  const std::string endpoint = config.endpoint.value_or(std::string(kRoute53DefaultEndpoint));
  // User information in the URL could be a password: errors show the endpoint without it.
  std::string shown = endpoint;
  if (auto at = shown.find('@'), start = shown.find("://");
      at != std::string::npos && start != std::string::npos && at > start) {
    shown.replace(start + 3, at - start - 3, "***");
  }
  const std::string bad = "provider \"" + name_ + "\": endpoint \"" + shown + "\" ";
  std::string why;
  std::optional<net::HttpUrl> url = net::parseHttpUrl(endpoint, why);
  if (!url) {
    throw std::invalid_argument(bad + "is not a usable http(s):// URL: " + why);
  }
  host_ = url->authority();
  base_path_ = url->target;
  while (!base_path_.empty() && base_path_.back() == '/') {
    base_path_.pop_back();
  }
  // The base path is signed as given, so it must need no encoding.
  if (endpoint.find('#') != std::string::npos ||
      !std::all_of(base_path_.begin(), base_path_.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~';
      })) {
    throw std::invalid_argument(bad + "has a query, fragment or unusual character in its path");
  }
  if (!url->tls() && !net::isLoopbackHost(url->host)) {
    throw std::invalid_argument(bad + "uses plain http:// to a non-loopback address; use https://");
  }
  base_url_ = url->scheme + "://" + host_ + base_path_;

  const Route53Settings& settings = config.settings;
  scope_ = {settings.signing_region.value_or(route53::signingRegionOf(url->host)), "route53"};
  if (settings.credential_process) {
    process_ = std::make_shared<net::AwsCredentialProcess>(*settings.credential_process,
                                                           options_.credential_process);
    credential_source_ =
        "check what credential_process \"" + *settings.credential_process + "\" prints";
  } else {
    access_key_id_file_ = std::make_unique<net::WatchedSecretFile>(settings.access_key_id_file,
                                                                   "Route 53 access key id file");
    secret_access_key_file_ = std::make_unique<net::WatchedSecretFile>(
        settings.secret_access_key_file, "Route 53 secret access key file");
    credential_source_ = "check access_key_id_file " + settings.access_key_id_file +
                         " and secret_access_key_file " + settings.secret_access_key_file;
    if (settings.session_token_file) {
      session_token_file_ = std::make_unique<net::WatchedSecretFile>(*settings.session_token_file,
                                                                     "Route 53 session token file");
      credential_source_ += " and session_token_file " + *settings.session_token_file;
    }
  }
  if (settings.hosted_zone_id && !settings.hosted_zone_id->empty()) {
    configured_zone_id_ = route53::stripIdPrefix(*settings.hosted_zone_id);
  }
}

Result<net::HttpResponse> Route53Provider::exchange(
    const std::string& method, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& query, const std::string& body,
    const std::string& what) {
  net::SigV4Request to_sign;
  to_sign.method = method;
  to_sign.path = base_path_ + path;
  to_sign.query = query;
  to_sign.headers = {{"Host", host_}};
  to_sign.payload = body;
  if (process_) {
    auto current = process_->current();
    if (auto* why = std::get_if<std::string>(&current)) {
      return ProviderError{ErrorKind::Auth, "Route 53 " + what + ": " + *why, std::nullopt};
    }
    credentials_ = std::move(std::get<net::SigV4Credentials>(current));
  } else {
    // Re-read when a file changed (an agent rotating temporary credentials).
    credentials_.access_key_id = access_key_id_file_->current().reveal();
    credentials_.secret_access_key = secret_access_key_file_->current();
    if (session_token_file_) {
      credentials_.session_token = session_token_file_->current();
    }
  }
  // The session token, when there is one, is signed as X-Amz-Security-Token (SigV4 requires it
  // among the signed headers for temporary credentials).
  net::SigV4Signature signature = net::signV4(to_sign, credentials_, scope_, options_.clock());

  net::HttpRequest request;
  request.method = method;
  request.url = base_url_ + net::uriEncodePath(path);
  if (std::string q = net::canonicalQuery(query); !q.empty()) {
    request.url += "?" + q;
  }
  // Host is set explicitly so that what is sent is exactly what was signed.
  request.headers = {{"Host", host_}};
  if (!body.empty()) {
    request.headers.emplace_back("Content-Type", "application/xml");
  }
  request.headers.insert(request.headers.end(), signature.headers_to_add.begin(),
                         signature.headers_to_add.end());
  request.body = body;

  Result<net::HttpResponse> sent = transport_->send(request);
  if (auto* error = errorIn(sent)) {
    error->message = "Route 53 " + what + ": " + error->message;
  }
  return sent;
}

ProviderError Route53Provider::errorOf(const net::HttpResponse& response,
                                       const std::string& what) const {
  ProviderError error = route53::classifyError(response, "Route 53 " + what);
  if (error.kind == ErrorKind::Auth) {
    error.message += "; " + credential_source_;
  }
  // A server (or a gateway in front of it) could echo what it was sent; the key id, the secret
  // and the session token are scrubbed from whatever it said.
  static const std::string none;
  for (const std::string* secret :
       {&credentials_.access_key_id, &credentials_.secret_access_key.reveal(),
        credentials_.session_token ? &credentials_.session_token->reveal() : &none}) {
    for (auto at = error.message.find(*secret); !secret->empty() && at != std::string::npos;
         at = error.message.find(*secret)) {
      error.message.replace(at, secret->size(), "***");
    }
  }
  return error;
}

std::optional<std::chrono::system_clock::time_point> Route53Provider::credentialsExpireAt() const {
  return process_ ? process_->expiresAt() : std::nullopt;
}

Result<net::HttpResponse> Route53Provider::call(
    const std::string& method, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& query, const std::string& body,
    const std::string& what) {
  Result<net::HttpResponse> sent = exchange(method, path, query, body, what);
  if (auto* response = std::get_if<net::HttpResponse>(&sent);
      response != nullptr && (response->status < 200 || response->status >= 300)) {
    return errorOf(*response, what);
  }
  return sent;
}

Result<std::string> Route53Provider::zoneId(const std::string& zone) {
  if (configured_zone_id_) {
    return *configured_zone_id_;
  }
  const std::string wanted = route53::canonicalName(zone);
  if (auto cached = zone_ids_.find(wanted); cached != zone_ids_.end()) {
    return cached->second;
  }
  const std::string what = "ListHostedZonesByName for " + wanted;
  std::string dns_name = wanted.size() > 1 ? wanted.substr(0, wanted.size() - 1) : wanted;
  std::vector<std::pair<std::string, std::string>> query = {{"dnsname", dns_name},
                                                            {"maxitems", "1"}};
  std::vector<std::string> public_ids;
  bool saw_private = false;
  for (int pages = 0;; ++pages) {
    if (pages == kMaxPages) {
      return permanent("Route 53 " + what + ": more than " + std::to_string(kMaxPages) +
                       " zones of that name");
    }
    Result<net::HttpResponse> response =
        call("GET", std::string(kApi) + "/hostedzonesbyname", query, "", what);
    if (auto* error = errorIn(response)) {
      return std::move(*error);
    }
    Result<route53::ZonePage> parsed =
        route53::parseZonePage(std::get<net::HttpResponse>(response).body);
    if (auto* error = errorIn(parsed)) {
      error->message = "Route 53 " + what + ": " + error->message;
      return std::move(*error);
    }
    const route53::ZonePage& page = std::get<route53::ZonePage>(parsed);
    bool past = false;
    // The listing starts at the name but continues with the zones after it: only exact names
    // count. Private zones of the same name are skipped: planb writes what the internet sees.
    for (const route53::HostedZone& hosted : page.zones) {
      if (route53::canonicalName(hosted.name) != wanted) {
        past = true;
        break;
      }
      if (hosted.private_zone) {
        saw_private = true;
      } else {
        public_ids.push_back(hosted.id);
      }
    }
    if (past || !page.truncated || !page.next_dns_name || !page.next_zone_id ||
        route53::canonicalName(*page.next_dns_name) != wanted) {
      break;
    }
    query = {
        {"dnsname", *page.next_dns_name}, {"hostedzoneid", *page.next_zone_id}, {"maxitems", "1"}};
  }
  if (public_ids.empty()) {
    return ProviderError{ErrorKind::NotFound,
                         "Route 53 has no public hosted zone named " + wanted +
                             (saw_private ? " (only a private one)" : "") +
                             " visible to these credentials",
                         std::nullopt};
  }
  if (public_ids.size() > 1) {
    std::string ids;
    for (const std::string& id : public_ids) {
      ids += (ids.empty() ? "" : ", ") + id;
    }
    return permanent("Route 53 has " + std::to_string(public_ids.size()) +
                     " public hosted zones named " + wanted + " (" + ids +
                     "): set hosted_zone_id to the delegated one");
  }
  zone_ids_[wanted] = public_ids.front();
  return public_ids.front();
}

void Route53Provider::forgetZoneId(const std::string& zone) {
  zone_ids_.erase(route53::canonicalName(zone));
}

Result<int> Route53Provider::listRecordSets(
    const std::string& zone_id, std::optional<std::string> start, unsigned page_size, int max_pages,
    const std::string& what, const std::function<bool(route53::RecordSet&)>& visit,
    const std::function<bool(const std::string&)>& goes_on_at,
    std::optional<std::string> start_type) {
  const std::string items = std::to_string(page_size);
  std::vector<std::pair<std::string, std::string>> query = {{"maxitems", items}};
  if (start) {
    query.emplace_back("name", *start);
    if (start_type) {
      query.emplace_back("type", *start_type);
    }
  }
  for (int pages = 0;; ++pages) {
    if (pages == max_pages) {
      return permanent("Route 53 " + what + ": more than " + std::to_string(max_pages) +
                       " pages of record sets");
    }
    Result<net::HttpResponse> response =
        call("GET", std::string(kApi) + "/hostedzone/" + zone_id + "/rrset", query, "", what);
    if (auto* error = errorIn(response)) {
      return std::move(*error);
    }
    Result<route53::RecordPage> parsed =
        route53::parseRecordPage(std::get<net::HttpResponse>(response).body);
    if (auto* error = errorIn(parsed)) {
      error->message = "Route 53 " + what + ": " + error->message;
      return std::move(*error);
    }
    route53::RecordPage& page = std::get<route53::RecordPage>(parsed);
    for (route53::RecordSet& set : page.sets) {
      if (!visit(set)) {
        return pages + 1;
      }
    }
    if (!page.truncated || !page.next_name || !goes_on_at(*page.next_name)) {
      return pages + 1;
    }
    // The next page starts where this one stopped: name, type and identifier as served.
    query = {{"maxitems", items}, {"name", *page.next_name}};
    if (page.next_type) {
      query.emplace_back("type", *page.next_type);
    }
    if (page.next_identifier) {
      query.emplace_back("identifier", *page.next_identifier);
    }
  }
}

Result<Route53Provider::Current> Route53Provider::inspect(const std::string& zone_id,
                                                          const std::string& name) {
  std::vector<route53::RecordSet> at_name;
  // Without `type`: the listing starts with the first set at the name whatever its type, so an A
  // (which sorts before CNAME) is seen as well as the CNAME itself. `name` is a start position:
  // the sets after the name's own belong to other names.
  Result<int> listed = listRecordSets(
      zone_id, name, options_.list_page_size, kMaxPages,
      "ListResourceRecordSets at " + name + " in hosted zone " + zone_id,
      [&](route53::RecordSet& set) {
        if (route53::canonicalName(set.name) != name) {
          return false;
        }
        at_name.push_back(std::move(set));
        return true;
      },
      [&](const std::string& next) { return route53::canonicalName(next) == name; });
  if (auto* error = errorIn(listed)) {
    return std::move(*error);
  }
  return currentOf(at_name);
}

Route53Provider::Current Route53Provider::currentOf(
    const std::vector<route53::RecordSet>& at_name) {
  // Weighted, failover, latency… sets (a SetIdentifier) and aliases are not planb's plain CNAME:
  // the name is reported as a conflict naming the type and the identifier, and never written.
  Current current;
  const route53::RecordSet* cname = nullptr;
  // Another type is named before an odd CNAME (alias, routing policy): it is what an operator
  // would have to remove.
  std::string other_type;
  std::string odd_cname;
  for (const route53::RecordSet& set : at_name) {
    const bool plain = !set.alias && !set.set_identifier && !set.traffic_policy_instance_id;
    if (set.type == "CNAME" && plain && set.values.size() == 1 && set.ttl && cname == nullptr) {
      cname = &set;
      continue;
    }
    std::string& slot = set.type == "CNAME" ? odd_cname : other_type;
    if (slot.empty()) {
      slot = set.type;
      if (set.alias) {
        slot += " (alias)";
      } else if (set.set_identifier) {
        slot += " (set identifier " + *set.set_identifier + ")";
      } else if (set.traffic_policy_instance_id) {
        slot += " (traffic policy instance " + *set.traffic_policy_instance_id + ")";
      }
    }
  }
  const std::string other = other_type.empty() ? odd_cname : other_type;
  if (!other.empty()) {
    current.served.kind = ServedRecord::Kind::Conflict;
    current.served.conflict_type = other;
  } else if (cname != nullptr) {
    current.served.kind = ServedRecord::Kind::Cname;
    current.served.target = route53::canonicalName(cname->values.front());
    current.served.ttl = *cname->ttl;
    current.raw_name = cname->name;
    current.raw_value = cname->values.front();
    current.health_check_id = cname->health_check_id;
  }
  return current;
}

Result<Route53Provider::Currents> Route53Provider::listZone(const std::string& zone_id,
                                                            const std::vector<std::string>& names) {
  std::map<std::string, std::vector<route53::RecordSet>> wanted;
  for (const std::string& name : names) {
    wanted[name];
  }
  // The whole zone from its first set: Route 53's own order (labels reversed, then ASCII with
  // the trailing dot) decides where a name lies, so no page is skipped on a guess of it.
  Result<int> pages = listRecordSets(
      zone_id, std::nullopt, options_.zone_page_size, kMaxZonePages,
      "ListResourceRecordSets of hosted zone " + zone_id,
      [&](route53::RecordSet& set) {
        if (auto at = wanted.find(route53::canonicalName(set.name)); at != wanted.end()) {
          at->second.push_back(std::move(set));
        }
        return true;
      },
      [](const std::string&) { return true; });
  if (auto* error = errorIn(pages)) {
    return std::move(*error);
  }
  zone_pages_[zone_id] = std::get<int>(pages);
  Currents currents;
  for (const auto& [name, sets] : wanted) {
    currents.emplace(name, currentOf(sets));
  }
  return currents;
}

Result<Route53Provider::Currents> Route53Provider::inspectAll(
    const std::string& zone_id, const std::vector<std::string>& names) {
  auto pages = zone_pages_.find(zone_id);
  const bool per_name =
      names.size() == 1 ||
      (pages != zone_pages_.end() && static_cast<std::size_t>(pages->second) > names.size());
  if (!per_name) {
    return listZone(zone_id, names);
  }
  Currents currents;
  for (const std::string& name : names) {
    if (currents.count(name) != 0) {
      continue;
    }
    Result<Current> current = inspect(zone_id, name);
    if (auto* error = errorIn(current)) {
      return std::move(*error);
    }
    currents.emplace(name, std::move(std::get<Current>(current)));
  }
  return currents;
}

Result<ServedRecord> Route53Provider::read(const RecordRef& record) {
  Result<std::string> zone_id = zoneId(record.zone);
  if (auto* error = errorIn(zone_id)) {
    return std::move(*error);
  }
  Result<Current> current =
      inspect(std::get<std::string>(zone_id), route53::canonicalName(record.name));
  if (auto* error = errorIn(current)) {
    if (error->kind == ErrorKind::NotFound) {
      forgetZoneId(record.zone);  // a zone deleted and recreated gets a new id
    }
    return std::move(*error);
  }
  return std::move(std::get<Current>(current).served);
}

std::vector<Result<ServedRecord>> Route53Provider::readBatch(
    const std::string& zone, const std::vector<std::string>& names) {
  std::vector<Result<ServedRecord>> results;
  if (names.empty()) {
    return results;
  }
  std::vector<std::string> canonical;
  canonical.reserve(names.size());
  for (const std::string& name : names) {
    canonical.push_back(route53::canonicalName(name));
  }
  Result<std::string> zone_id = zoneId(zone);
  Result<Currents> currents = std::holds_alternative<std::string>(zone_id)
                                  ? inspectAll(std::get<std::string>(zone_id), canonical)
                                  : Result<Currents>(std::get<ProviderError>(zone_id));
  if (auto* error = errorIn(currents)) {
    if (error->kind == ErrorKind::NotFound) {
      forgetZoneId(zone);
    }
    results.assign(names.size(), *error);
    return results;
  }
  const Currents& found = std::get<Currents>(currents);
  for (const std::string& name : canonical) {
    auto at = found.find(name);
    results.emplace_back(at == found.end() ? ServedRecord{} : at->second.served);
  }
  return results;
}

struct Route53Provider::Entry {
  const ReplaceRequest* request = nullptr;
  std::string name;    // canonical
  std::string target;  // canonical
  std::optional<Result<Written>> result;
  std::vector<route53::Change> changes;  // this round's
  // Route 53 refused a batch naming this record as not what the batch assumed: it is read again
  // and not sent again unless the listing shows why.
  bool suspect = false;
  // What Route 53 said when it last refused a batch holding this record (empty: never): the
  // record is read again before it is sent again.
  std::string refusal;
};

namespace {

ProviderError conflictError(std::string message) {
  return ProviderError{ErrorKind::Conflict, std::move(message), std::nullopt};
}

}  // namespace

Result<Unit> Route53Provider::replace(const ReplaceRequest& request) {
  Result<Written> written = std::move(replaceBatch({request}).front());
  if (auto* error = errorIn(written)) {
    return std::move(*error);
  }
  return Unit{};
}

std::vector<Result<Written>> Route53Provider::replaceBatch(
    const std::vector<ReplaceRequest>& requests) {
  std::vector<Result<Written>> results;
  if (requests.empty()) {
    return results;
  }
  const std::string& zone = requests.front().record.zone;
  Result<std::string> looked_up = zoneId(zone);
  if (auto* error = errorIn(looked_up)) {
    results.assign(requests.size(), *error);
    return results;
  }
  const std::string zone_id = std::get<std::string>(looked_up);

  std::vector<Entry> entries(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    entries[i].request = &requests[i];
    entries[i].name = route53::canonicalName(requests[i].record.name);
    entries[i].target = route53::canonicalName(requests[i].new_target);
  }

  for (int round = 0; round < options_.max_batch_rounds; ++round) {
    std::vector<Entry*> open;
    std::vector<std::string> to_read;
    for (Entry& entry : entries) {
      if (entry.result) {
        continue;
      }
      open.push_back(&entry);
      // A DELETE must repeat the current set exactly, TTL included; a refused CREATE is checked.
      if (entry.request->expected_target || !entry.refusal.empty()) {
        to_read.push_back(entry.name);
      }
    }
    if (open.empty()) {
      break;
    }
    Currents currents;
    if (!to_read.empty()) {
      Result<Currents> read = inspectAll(zone_id, to_read);
      if (auto* error = errorIn(read)) {
        for (Entry* entry : open) {
          entry->result = *error;
        }
        break;
      }
      currents = std::move(std::get<Currents>(read));
    }

    std::vector<Entry*> to_send;
    for (Entry* entry : open) {
      const ReplaceRequest& request = *entry->request;
      auto at = currents.find(entry->name);
      const ServedRecord served = at == currents.end() ? ServedRecord{} : at->second.served;
      const bool done = served.kind == ServedRecord::Kind::Cname &&
                        served.target == entry->target && served.ttl == request.ttl;
      entry->changes.clear();
      if (!request.expected_target) {
        if (done) {
          entry->result = Written{};  // a refused CREATE an earlier attempt had made already
        } else if (entry->suspect) {
          entry->result =
              conflictError("compare-and-swap lost: Route 53 refused to create " + entry->name +
                            ": " + entry->refusal + " (" + describeServed(served) + ")");
        } else {
          entry->changes.push_back({"CREATE", entry->name, "CNAME", request.ttl, {entry->target}});
          to_send.push_back(entry);
        }
        continue;
      }
      const std::string expected = route53::canonicalName(*request.expected_target);
      if (served.kind == ServedRecord::Kind::Conflict) {
        entry->result =
            conflictError(entry->name + " holds " + served.conflict_type + " in hosted zone " +
                          zone_id + ": planb does not overwrite it");
      } else if (served.kind == ServedRecord::Kind::Absent) {
        entry->result =
            conflictError("compare-and-swap lost: " + entry->name + " has no CNAME (expected " +
                          expected + ")" + (entry->suspect ? ": " + entry->refusal : ""));
      } else if (done) {
        entry->result = Written{};  // by an earlier attempt whose reply was lost, or by another
      } else if (served.target != expected && served.target != entry->target) {
        entry->result =
            conflictError("compare-and-swap lost: " + entry->name + " points to " + served.target +
                          ", not " + expected + (entry->suspect ? ": " + entry->refusal : ""));
      } else if (entry->suspect) {
        // Refused as changed, yet listed unchanged: the read and the write disagree (a lagging
        // listing, or a set the listing shows otherwise). Sending it again would loop.
        entry->result =
            conflictError("compare-and-swap lost: Route 53's listing and its writes disagree on " +
                          entry->name + ": the listing shows " + served.target +
                          " but the change was refused: " + entry->refusal);
      } else {
        // DELETE repeats the set exactly as served; the CREATE keeps what planb does not manage.
        const Current& current = at->second;
        entry->changes.push_back({"DELETE",
                                  current.raw_name,
                                  "CNAME",
                                  current.served.ttl,
                                  {current.raw_value},
                                  current.health_check_id});
        entry->changes.push_back({"CREATE",
                                  entry->name,
                                  "CNAME",
                                  request.ttl,
                                  {entry->target},
                                  current.health_check_id});
        to_send.push_back(entry);
      }
    }
    sendBatches(zone_id, to_send);
  }

  results.reserve(entries.size());
  for (Entry& entry : entries) {
    if (entry.result) {
      results.push_back(std::move(*entry.result));
    } else if (!entry.refusal.empty()) {
      results.emplace_back(conflictError(
          "compare-and-swap lost: Route 53 refused the change of " + entry.name + " " +
          std::to_string(options_.max_batch_rounds) + " times: " + entry.refusal));
    } else {
      results.emplace_back(ProviderError{
          ErrorKind::Transient,
          "Route 53 change of " + entry.name + " not sent: the batches it was in were refused " +
              std::to_string(options_.max_batch_rounds) + " times for other records",
          std::nullopt});
    }
  }
  for (const Result<Written>& result : results) {
    if (const ProviderError* error = errorIn(result);
        error != nullptr && error->kind == ErrorKind::NotFound) {
      forgetZoneId(zone);  // a zone deleted and recreated gets a new id
      break;
    }
  }
  return results;
}

void Route53Provider::sendBatches(const std::string& zone_id, std::vector<Entry*>& entries) {
  std::vector<std::vector<route53::Change>> units;
  units.reserve(entries.size());
  for (const Entry* entry : entries) {
    units.push_back(entry->changes);
  }
  // An error that concerns the account or the service, not the batch: the batches after it are
  // not sent and share it.
  std::optional<ProviderError> stop;
  for (const std::vector<std::size_t>& batch :
       route53::splitByLimits(units, options_.batch_limits)) {
    std::vector<Entry*> in;
    std::vector<route53::Change> changes;
    for (std::size_t i : batch) {
      in.push_back(entries[i]);
      changes.insert(changes.end(), entries[i]->changes.begin(), entries[i]->changes.end());
    }
    if (stop) {
      for (Entry* entry : in) {
        entry->result = *stop;
      }
      continue;
    }
    const std::string subject =
        in.size() == 1 ? in.front()->name : std::to_string(in.size()) + " records";
    const std::string comment = in.size() == 1
                                    ? "planb: " + in.front()->name + " -> " + in.front()->target
                                    : "planb: " + subject;
    const std::string what =
        "ChangeResourceRecordSets for " + subject + " in hosted zone " + zone_id;
    // The trailing slash is part of the operation's URI, and so of what is signed.
    Result<net::HttpResponse> sent =
        exchange("POST", std::string(kApi) + "/hostedzone/" + zone_id + "/rrset/", {},
                 route53::changeBatchXml(changes, comment), what);
    auto failAll = [&](const ProviderError& error) {
      for (Entry* entry : in) {
        entry->result = error;
      }
      if (error.kind != ErrorKind::Permanent && error.kind != ErrorKind::Conflict) {
        stop = error;
      }
    };
    if (auto* error = errorIn(sent)) {
      failAll(*error);
      continue;
    }
    const net::HttpResponse& response = std::get<net::HttpResponse>(sent);
    if (response.status < 200 || response.status >= 300) {
      ProviderError error = errorOf(response, what);
      std::optional<route53::ErrorBody> body = route53::parseErrorBody(response.body);
      if (!body || body->code != "InvalidChangeBatch") {
        failAll(error);
        continue;
      }
      // Nothing of the batch was applied. The records the refusal names are read again (a lost
      // race) or fail alone (a bad change); the others go again in the next round.
      const bool race = isLostRace(body->message);
      const std::vector<std::string> named = route53::namesInRefusal(body->message);
      bool any_named = false;
      for (Entry* entry : in) {
        if (std::find(named.begin(), named.end(), entry->name) == named.end()) {
          continue;
        }
        any_named = true;
        if (race) {
          entry->suspect = true;
          entry->refusal = net::quoteServerText(body->message);
        } else {
          entry->result = error;
        }
      }
      if (!any_named) {
        // Which record is meant is unknown: all are read again, and sent again while they match.
        for (Entry* entry : in) {
          if (race) {
            entry->refusal = net::quoteServerText(body->message);
          } else {
            entry->result = error;
          }
        }
      }
      continue;
    }
    Result<route53::ChangeInfo> info = route53::parseChangeInfo(response.body);
    if (auto* error = errorIn(info)) {
      // The change may well have been applied: the caller's retry re-reads before writing again.
      error->message = "Route 53 " + what + ": " + error->message;
      failAll(*error);
      continue;
    }
    const route53::ChangeInfo& change = std::get<route53::ChangeInfo>(info);
    // PENDING: applied in the zone, still propagating to Route 53's servers; the caller polls.
    Written written{change.status == "INSYNC" ? std::string() : change.id};
    for (Entry* entry : in) {
      entry->result = written;
    }
  }
}

Result<Propagation> Route53Provider::pollChange(const std::string& change_id) {
  const std::string id = route53::stripIdPrefix(change_id);
  const std::string what = "GetChange " + id;
  Result<net::HttpResponse> response =
      call("GET", std::string(kApi) + "/change/" + id, {}, "", what);
  if (auto* error = errorIn(response)) {
    return std::move(*error);
  }
  Result<route53::ChangeInfo> info =
      route53::parseChangeInfo(std::get<net::HttpResponse>(response).body);
  if (auto* error = errorIn(info)) {
    error->message = "Route 53 " + what + ": " + error->message;
    return std::move(*error);
  }
  return std::get<route53::ChangeInfo>(info).status == "INSYNC" ? Propagation::Applied
                                                                : Propagation::Pending;
}

// ---- the rehearsal's TXT record and the delegation set ----

namespace {

// One string of a TXT value holds at most 255 characters (Route 53 Developer Guide, "Supported
// DNS record types", TXT); beyond, Route 53 refuses the batch with "CharacterStringTooLong (Value
// is too long)" (github.com/boto/boto3/issues/1462).
constexpr std::size_t kMaxTxtString = 255;

}  // namespace

Result<std::optional<route53::RecordSet>> Route53Provider::txtSet(const std::string& zone_id,
                                                                  const std::string& name) {
  std::optional<route53::RecordSet> found;
  // From (name, TXT): the listing starts at the set itself, whatever sorts before it.
  Result<int> listed = listRecordSets(
      zone_id, name, options_.list_page_size, kMaxPages,
      "ListResourceRecordSets of TXT at " + name + " in hosted zone " + zone_id,
      [&](route53::RecordSet& set) {
        if (route53::canonicalName(set.name) != name || set.type != "TXT") {
          return false;
        }
        // A set of a routing policy (SetIdentifier) is someone else's: never planb's to write.
        if (!found && !set.alias && !set.set_identifier && !set.traffic_policy_instance_id &&
            set.ttl) {
          found = std::move(set);
        }
        return true;
      },
      [&](const std::string& next) { return route53::canonicalName(next) == name; }, "TXT");
  if (auto* error = errorIn(listed)) {
    return std::move(*error);
  }
  return found;
}

Result<Written> Route53Provider::sendChanges(const std::string& zone_id,
                                             const std::vector<route53::Change>& changes,
                                             const std::string& what, const std::string& comment) {
  // The trailing slash is part of the operation's URI, and so of what is signed.
  Result<net::HttpResponse> sent =
      exchange("POST", std::string(kApi) + "/hostedzone/" + zone_id + "/rrset/", {},
               route53::changeBatchXml(changes, comment), what);
  if (auto* error = errorIn(sent)) {
    return std::move(*error);
  }
  const net::HttpResponse& response = std::get<net::HttpResponse>(sent);
  if (response.status < 200 || response.status >= 300) {
    ProviderError error = errorOf(response, what);
    // The set is not what the batch named (changed or gone since it was read): a lost race.
    if (std::optional<route53::ErrorBody> body = route53::parseErrorBody(response.body);
        body && body->code == "InvalidChangeBatch" && isLostRace(body->message)) {
      error.kind = ErrorKind::Conflict;
    }
    return error;
  }
  Result<route53::ChangeInfo> info = route53::parseChangeInfo(response.body);
  if (auto* error = errorIn(info)) {
    error->message = "Route 53 " + what + ": " + error->message;
    return std::move(*error);
  }
  const route53::ChangeInfo& change = std::get<route53::ChangeInfo>(info);
  // PENDING: in the zone, still propagating to Route 53's servers; the caller polls.
  return Written{change.status == "INSYNC" ? std::string() : change.id};
}

Result<std::vector<std::string>> Route53Provider::readTxt(const RecordRef& record) {
  Result<std::string> zone_id = zoneId(record.zone);
  if (auto* error = errorIn(zone_id)) {
    return std::move(*error);
  }
  Result<std::optional<route53::RecordSet>> set =
      txtSet(std::get<std::string>(zone_id), route53::canonicalName(record.name));
  if (auto* error = errorIn(set)) {
    if (error->kind == ErrorKind::NotFound) {
      forgetZoneId(record.zone);
    }
    return std::move(*error);
  }
  std::vector<std::string> values;
  if (const auto& found = std::get<std::optional<route53::RecordSet>>(set)) {
    for (const std::string& value : found->values) {
      values.push_back(route53::unquoteTxt(value));
    }
  }
  return values;
}

Result<Written> Route53Provider::writeTxt(const TxtWrite& write) {
  const std::string name = route53::canonicalName(write.record.name);
  if (write.value.size() > kMaxTxtString) {
    return permanent("Route 53 TXT at " + name + ": a value of " +
                     std::to_string(write.value.size()) + " bytes, more than the " +
                     std::to_string(kMaxTxtString) + " of one TXT string");
  }
  Result<std::string> zone_id = zoneId(write.record.zone);
  if (auto* error = errorIn(zone_id)) {
    return std::move(*error);
  }
  const std::string& id = std::get<std::string>(zone_id);
  // UPSERT: creates the set or replaces it whole, whatever it held, in one change.
  Result<Written> written =
      sendChanges(id, {{"UPSERT", name, "TXT", write.ttl, {route53::quoteTxt(write.value)}}},
                  "ChangeResourceRecordSets UPSERT TXT " + name + " in hosted zone " + id,
                  "planb rehearsal: " + name);
  if (const ProviderError* error = errorIn(written);
      error != nullptr && error->kind == ErrorKind::NotFound) {
    forgetZoneId(write.record.zone);
  }
  return written;
}

Result<Written> Route53Provider::deleteTxt(const RecordRef& record) {
  const std::string name = route53::canonicalName(record.name);
  Result<std::string> zone_id = zoneId(record.zone);
  if (auto* error = errorIn(zone_id)) {
    return std::move(*error);
  }
  const std::string& id = std::get<std::string>(zone_id);
  // A DELETE must name the set exactly as it is (TTL and values): read, then delete what was
  // read. A set changed or removed in between is read once more.
  Result<Written> deleted = Written{};
  for (int attempt = 0; attempt < 2; ++attempt) {
    Result<std::optional<route53::RecordSet>> set = txtSet(id, name);
    if (auto* error = errorIn(set)) {
      deleted = std::move(*error);
      break;
    }
    const std::optional<route53::RecordSet>& found =
        std::get<std::optional<route53::RecordSet>>(set);
    if (!found) {
      deleted = Written{};  // nothing to remove: a clean-up may run twice
      break;
    }
    deleted = sendChanges(
        id, {{"DELETE", found->name, "TXT", *found->ttl, found->values, found->health_check_id}},
        "ChangeResourceRecordSets DELETE TXT " + name + " in hosted zone " + id,
        "planb rehearsal clean-up: " + name);
    const ProviderError* error = errorIn(deleted);
    if (error == nullptr || error->kind != ErrorKind::Conflict) {
      break;
    }
  }
  if (const ProviderError* error = errorIn(deleted);
      error != nullptr && error->kind == ErrorKind::NotFound) {
    forgetZoneId(record.zone);
  }
  return deleted;
}

Result<std::vector<std::string>> Route53Provider::nameServers(const std::string& zone) {
  Result<std::string> zone_id = zoneId(zone);
  if (auto* error = errorIn(zone_id)) {
    return std::move(*error);
  }
  const std::string& id = std::get<std::string>(zone_id);
  const std::string what = "GetHostedZone " + id;
  Result<net::HttpResponse> response =
      call("GET", std::string(kApi) + "/hostedzone/" + id, {}, "", what);
  if (auto* error = errorIn(response)) {
    if (error->kind == ErrorKind::NotFound) {
      forgetZoneId(zone);
    }
    return std::move(*error);
  }
  Result<route53::HostedZoneDetail> detail =
      route53::parseHostedZone(std::get<net::HttpResponse>(response).body);
  if (auto* error = errorIn(detail)) {
    error->message = "Route 53 " + what + ": " + error->message;
    return std::move(*error);
  }
  // A private zone has no delegation set: its name servers are not known.
  return std::move(std::get<route53::HostedZoneDetail>(detail).name_servers);
}

}  // namespace planb::providers
