// The etcd v3 HTTP/JSON gateway client (etcd 3.4; shared/reference/real-servers.md §5). Every
// call is one POST of a JSON body to <endpoint>/v3/...; the reply is JSON with base64 keys and
// values, int64 numbers as strings and zero values left out. Errors are
// {"error","message","code"} with a gRPC code and a matching HTTP status.

#include "cluster/etcd_client.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>
#include <variant>

#include "net/secret.hpp"
#include "net/server_text.hpp"

namespace planb::cluster {

namespace {

using nlohmann::json;
using Kind = EtcdError::Kind;

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// gRPC status codes etcd answers with.
constexpr std::int64_t kNotFound = 5;
constexpr std::int64_t kUnauthenticated = 16;

// An error reply of etcd, or no usable reply at all, before it becomes an EtcdError.
struct Failure {
  Kind kind = Kind::Unavailable;
  std::string message;
  bool token_refused = false;  // the token was missing, expired or unknown: authenticate again
};

// An int64 field: a JSON string (how etcd sends them) or number; absent or null is 0.
std::int64_t int64Field(const json& object, const char* name) {
  if (!object.is_object()) {
    return 0;
  }
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    return 0;
  }
  if (it->is_number_integer()) {
    return it->get<std::int64_t>();
  }
  if (it->is_string()) {
    const std::string& text = it->get_ref<const std::string&>();
    std::int64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error == std::errc() && end == text.data() + text.size() && !text.empty()) {
      return value;
    }
  }
  throw std::invalid_argument(std::string("field ") + name + " is not a 64-bit integer");
}

// A base64 bytes field; absent is empty.
std::string bytesField(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    return "";
  }
  if (!it->is_string()) {
    throw std::invalid_argument(std::string("field ") + name + " is not a string");
  }
  return base64Decode(it->get_ref<const std::string&>());
}

bool boolField(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

KeyValue parseKeyValue(const json& kv) {
  KeyValue out;
  out.key = bytesField(kv, "key");
  out.value = bytesField(kv, "value");
  out.create_revision = int64Field(kv, "create_revision");
  out.mod_revision = int64Field(kv, "mod_revision");
  out.version = int64Field(kv, "version");
  out.lease = int64Field(kv, "lease");
  return out;
}

std::vector<KeyValue> parseKvs(const json& reply) {
  std::vector<KeyValue> kvs;
  auto it = reply.find("kvs");
  if (it == reply.end() || it->is_null()) {
    return kvs;
  }
  if (!it->is_array()) {
    throw std::invalid_argument("field kvs is not an array");
  }
  for (const json& kv : *it) {
    kvs.push_back(parseKeyValue(kv));
  }
  return kvs;
}

std::int64_t headerRevision(const json& reply) {
  auto it = reply.find("header");
  return it == reply.end() ? 0 : int64Field(*it, "revision");
}

std::string id(std::int64_t value) {
  return std::to_string(value);
}

json operationJson(const Operation& op) {
  switch (op.kind) {
    case Operation::Kind::Put: {
      json put = {{"key", base64Encode(op.key)}, {"value", base64Encode(op.value)}};
      if (op.lease != 0) {
        put["lease"] = id(op.lease);
      }
      return {{"request_put", put}};
    }
    case Operation::Kind::DeleteRange: {
      json del = {{"key", base64Encode(op.key)}};
      if (!op.range_end.empty()) {
        del["range_end"] = base64Encode(op.range_end);
      }
      return {{"request_delete_range", del}};
    }
    case Operation::Kind::Range:
      break;
  }
  json range = {{"key", base64Encode(op.key)}};
  if (!op.range_end.empty()) {
    range["range_end"] = base64Encode(op.range_end);
  }
  if (op.last_written_only) {
    range["limit"] = 1;
    range["sort_order"] = "DESCEND";
    range["sort_target"] = "MOD";
    range["keys_only"] = true;
  }
  return {{"request_range", range}};
}

json compareJson(const Compare& compare) {
  static constexpr std::array<const char*, 4> kResults = {"EQUAL", "NOT_EQUAL", "GREATER", "LESS"};
  json out = {{"key", base64Encode(compare.key)},
              {"result", kResults.at(static_cast<std::size_t>(compare.result))}};
  switch (compare.target) {
    case Compare::Target::Version:
      out["target"] = "VERSION";
      out["version"] = id(compare.number);
      break;
    case Compare::Target::Create:
      out["target"] = "CREATE";
      out["create_revision"] = id(compare.number);
      break;
    case Compare::Target::Mod:
      out["target"] = "MOD";
      out["mod_revision"] = id(compare.number);
      break;
    case Compare::Target::Value:
      out["target"] = "VALUE";
      out["value"] = base64Encode(compare.value);
      break;
    case Compare::Target::Lease:
      out["target"] = "LEASE";
      out["lease"] = id(compare.number);
      break;
  }
  return out;
}

std::string withoutTrailingSlashes(std::string endpoint) {
  while (endpoint.ends_with('/')) {
    endpoint.pop_back();
  }
  return endpoint;
}

}  // namespace

std::string prefixEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last < 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  // Every byte is 0xff (or there are none): etcd reads "\0" as "to the end of the keyspace".
  return std::string(1, '\0');
}

std::string base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                      static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                      static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) {
      n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    }
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    throw std::invalid_argument("base64: length is not a multiple of 4");
  }
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') {
    padding = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
  }
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::uint32_t n = 0;
    bool last = i + 4 == text.size();
    for (std::size_t j = 0; j < 4; ++j) {
      char c = text[i + j];
      std::uint32_t sextet = 0;
      if (c == '=' && last && j >= 4 - padding) {
        sextet = 0;
      } else {
        std::size_t at = kAlphabet.find(c);
        if (at == std::string_view::npos) {
          throw std::invalid_argument("base64: bad character at " + std::to_string(i + j));
        }
        sextet = static_cast<std::uint32_t>(at);
      }
      n = n << 6 | sextet;
    }
    out += static_cast<char>((n >> 16) & 0xff);
    if (!last || padding < 2) {
      out += static_cast<char>((n >> 8) & 0xff);
    }
    if (!last || padding < 1) {
      out += static_cast<char>(n & 0xff);
    }
  }
  return out;
}

struct EtcdClient::Impl {
  EtcdOptions options;
  std::shared_ptr<net::HttpTransport> transport;
  std::size_t current = 0;           // index of the endpoint in use
  std::optional<std::string> token;  // from /v3/auth/authenticate; empty: auth is off on etcd

  Impl(EtcdOptions opts, std::shared_ptr<net::HttpTransport> t)
      : options(std::move(opts)), transport(std::move(t)) {
    if (options.endpoints.empty()) {
      throw std::invalid_argument("EtcdClient: no endpoints");
    }
    for (std::string& endpoint : options.endpoints) {
      endpoint = withoutTrailingSlashes(std::move(endpoint));
    }
  }

  ~Impl() {
    wipeToken();
    if (options.password) {
      net::wipeString(*options.password);
    }
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void wipeToken() {
    if (token) {
      net::wipeString(*token);
      token.reset();
    }
  }

  // Neither the password nor the token may reach a message, whatever etcd or curl put in it.
  std::string scrub(std::string text) const {
    for (const std::optional<std::string>* secret : {&options.password, &token}) {
      if (!secret->has_value() || (*secret)->empty()) {
        continue;
      }
      for (std::size_t at = text.find(**secret); at != std::string::npos;
           at = text.find(**secret, at)) {
        text.replace(at, (*secret)->size(), "***");
      }
    }
    return text;
  }

  [[noreturn]] void fail(const Failure& failure) const {
    throw EtcdError(failure.kind, scrub(failure.message));
  }

  // An error reply of etcd: {"error","message","code"}, or a stream's {"error":{grpc_code,...}}.
  static Failure errorReply(const std::string& what, const std::string& endpoint, long status,
                            const json& reply, const std::string& body) {
    std::int64_t code = -1;
    std::string message;
    const json* error = &reply;
    if (reply.is_object() && reply.contains("error") && reply["error"].is_object()) {
      error = &reply["error"];
      if (error->contains("grpc_code") && (*error)["grpc_code"].is_number_integer()) {
        code = (*error)["grpc_code"].get<std::int64_t>();
      }
    } else if (reply.is_object() && reply.contains("code") && reply["code"].is_number_integer()) {
      code = reply["code"].get<std::int64_t>();
    }
    if (error->is_object()) {
      for (const char* field : {"message", "error"}) {
        if (error->contains(field) && (*error)[field].is_string()) {
          message = (*error)[field].get<std::string>();
          break;
        }
      }
    }
    if (message.empty()) {
      message = "HTTP " + std::to_string(status) + ": " + net::quoteServerText(body);
    }
    Failure failure;
    failure.message = "etcd " + what + " at " + endpoint + ": " + message +
                      (code >= 0 ? " (code " + std::to_string(code) + ")" : "");
    if (code == kNotFound || message.find("lease not found") != std::string::npos) {
      failure.kind = Kind::LeaseNotFound;
    } else if (code == kUnauthenticated || status == 401 ||
               message.find("user name is empty") != std::string::npos) {
      failure.kind = Kind::Unauthenticated;
    } else {
      failure.kind = Kind::Rejected;
    }
    // "invalid auth token" (16): expired or unknown to this member; "user name is empty" (3):
    // no token while etcd wants one (auth was enabled after we looked).
    failure.token_refused = failure.kind == Kind::Unauthenticated;
    return failure;
  }

  // POSTs BODY to PATH on the endpoint in use, then on the others in order, until one answers
  // with anything but a 5xx; that endpoint stays in use.
  std::variant<json, Failure> post(const std::string& what, const std::string& path,
                                   const json& body, bool with_token) {
    net::HttpRequest request;
    request.method = "POST";
    request.headers = {{"Content-Type", "application/json"}};
    if (with_token && token && !token->empty()) {
      request.headers.emplace_back("Authorization", *token);
    }
    request.body = body.dump();
    // The body may hold the password, the header the token: wiped on every way out.
    struct WipeRequest {
      net::HttpRequest& request;
      ~WipeRequest() {
        net::wipeString(request.body);
        for (auto& header : request.headers) {
          net::wipeString(header.second);
        }
      }
    } wipe_request{request};
    std::string failures;
    const std::size_t count = options.endpoints.size();
    for (std::size_t tried = 0; tried < count; ++tried) {
      const std::size_t index = (current + tried) % count;
      const std::string& endpoint = options.endpoints[index];
      request.url = endpoint + path;
      net::Result<net::HttpResponse> result = transport->send(request);
      std::string problem;
      if (const auto* error = net::errorIn(result)) {
        problem = error->message;
      } else {
        const net::HttpResponse& response = std::get<net::HttpResponse>(result);
        // A streamed reply (keepalive) is one JSON object per line: the first is ours.
        std::string_view text = response.body;
        text = text.substr(0, text.find('\n'));
        json reply = json::parse(text, nullptr, false);
        if (response.status >= 500 || (response.status < 300 && !reply.is_object())) {
          problem = endpoint + path + ": HTTP " + std::to_string(response.status) + ": " +
                    net::quoteServerText(response.body);
        } else {
          current = index;
          if (response.status >= 300 || reply.contains("error")) {
            return errorReply(what, endpoint, response.status, reply, response.body);
          }
          return reply;
        }
      }
      failures += (failures.empty() ? "" : "; ") + problem;
    }
    return Failure{Kind::Unavailable, "etcd " + what + ": no endpoint answered: " + failures,
                   false};
  }

  void authenticate() {
    json body = {{"name", *options.username}, {"password", options.password.value_or("")}};
    std::variant<json, Failure> result = post("authenticate", "/v3/auth/authenticate", body, false);
    net::wipeString(body["password"].get_ref<std::string&>());
    if (auto* failure = std::get_if<Failure>(&result)) {
      if (failure->message.find("authentication is not enabled") != std::string::npos) {
        token = "";  // etcd takes requests without a token
        return;
      }
      if (failure->kind != Kind::Unavailable) {
        failure->kind = Kind::Unauthenticated;
        failure->message = "etcd authenticate as " + *options.username + " at " + endpointInUse() +
                           ": " + messageOf(failure->message);
      }
      fail(*failure);
    }
    json& reply = std::get<json>(result);
    auto it = reply.find("token");
    if (it == reply.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
      fail({Kind::Unauthenticated,
            "etcd authenticate as " + *options.username + " at " + endpointInUse() +
                ": the reply holds no token",
            false});
    }
    wipeToken();
    token = it->get<std::string>();
    // The reply's copy of the token.
    net::wipeString(it->get_ref<std::string&>());
  }

  // What etcd said, without the "etcd <call> at <endpoint>: " of errorReply.
  std::string messageOf(const std::string& message) const {
    std::size_t at = message.find(endpointInUse() + ": ");
    return at == std::string::npos ? message : message.substr(at + endpointInUse().size() + 2);
  }

  const std::string& endpointInUse() const { return options.endpoints[current]; }

  // One call: authenticates first when a user is configured and no token is held, and once
  // more when etcd refuses the token (expired, or unknown to another member).
  json call(const std::string& what, const std::string& path, const json& body) {
    bool fresh = false;
    if (options.username && !token) {
      authenticate();
      fresh = true;
    }
    std::variant<json, Failure> result = post(what, path, body, true);
    if (auto* failure = std::get_if<Failure>(&result)) {
      if (!(failure->token_refused && options.username && !fresh)) {
        fail(*failure);
      }
      wipeToken();
      authenticate();
      result = post(what, path, body, true);
      if (auto* again = std::get_if<Failure>(&result)) {
        fail(*again);
      }
    }
    return std::get<json>(std::move(result));
  }

  // Runs PARSE on a reply; a reply that does not have the expected shape is Rejected.
  template <typename F>
  auto parsed(const std::string& what, F&& parse) -> decltype(parse()) {
    try {
      return parse();
    } catch (const std::invalid_argument& e) {
      fail({Kind::Rejected, "etcd " + what + " at " + endpointInUse() + ": bad reply: " + e.what(),
            false});
    } catch (const json::exception& e) {
      fail({Kind::Rejected, "etcd " + what + " at " + endpointInUse() + ": bad reply: " + e.what(),
            false});
    }
  }
};

EtcdClient::EtcdClient(EtcdOptions options) {
  net::HttpOptions http;
  http.connect_timeout = options.timeout;
  http.total_timeout = options.timeout;
  http.ca_file = options.ca_file;
  http.cert_file = options.cert_file;
  http.key_file = options.key_file;
  auto transport = std::make_shared<net::CurlTransport>(std::move(http), options.addresses);
  impl_ = std::make_unique<Impl>(std::move(options), std::move(transport));
}

EtcdClient::EtcdClient(EtcdOptions options, std::shared_ptr<net::HttpTransport> transport)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(transport))) {}

EtcdClient::~EtcdClient() = default;

std::int64_t EtcdClient::grantLease(std::chrono::seconds ttl) {
  json reply = impl_->call("lease grant", "/v3/lease/grant", {{"TTL", id(ttl.count())}});
  return impl_->parsed("lease grant", [&] {
    auto error = reply.find("error");
    if (error != reply.end() && error->is_string() &&
        !error->get_ref<const std::string&>().empty()) {
      throw std::invalid_argument(error->get<std::string>());
    }
    std::int64_t lease = int64Field(reply, "ID");
    if (lease == 0) {
      throw std::invalid_argument("no lease ID");
    }
    return lease;
  });
}

std::optional<std::chrono::seconds> EtcdClient::keepAlive(std::int64_t lease) {
  json reply;
  try {
    reply = impl_->call("lease keepalive", "/v3/lease/keepalive", {{"ID", id(lease)}});
  } catch (const EtcdError& e) {
    if (e.kind() == Kind::LeaseNotFound) {
      return std::nullopt;
    }
    throw;
  }
  std::int64_t ttl = impl_->parsed("lease keepalive", [&] {
    auto result = reply.find("result");
    return result == reply.end() ? std::int64_t{0} : int64Field(*result, "TTL");
  });
  if (ttl <= 0) {
    return std::nullopt;  // etcd leaves TTL out for a lease that expired or was revoked
  }
  return std::chrono::seconds(ttl);
}

void EtcdClient::revokeLease(std::int64_t lease) {
  impl_->call("lease revoke", "/v3/lease/revoke", {{"ID", id(lease)}});
}

std::int64_t EtcdClient::put(const std::string& key, const std::string& value, std::int64_t lease) {
  json body = {{"key", base64Encode(key)}, {"value", base64Encode(value)}};
  if (lease != 0) {
    body["lease"] = id(lease);
  }
  json reply = impl_->call("put", "/v3/kv/put", body);
  return impl_->parsed("put", [&] { return headerRevision(reply); });
}

std::optional<KeyValue> EtcdClient::get(const std::string& key) {
  json reply = impl_->call("range", "/v3/kv/range", {{"key", base64Encode(key)}});
  std::vector<KeyValue> kvs = impl_->parsed("range", [&] { return parseKvs(reply); });
  if (kvs.empty()) {
    return std::nullopt;
  }
  return std::move(kvs.front());
}

std::vector<KeyValue> EtcdClient::rangePrefix(const std::string& prefix) {
  json reply =
      impl_->call("range", "/v3/kv/range",
                  {{"key", base64Encode(prefix)}, {"range_end", base64Encode(prefixEnd(prefix))}});
  return impl_->parsed("range", [&] { return parseKvs(reply); });
}

std::vector<KeyValue> EtcdClient::lastInPrefix(const std::string& prefix, std::size_t limit,
                                               bool keys_only) {
  json reply = impl_->call("range", "/v3/kv/range",
                           {{"key", base64Encode(prefix)},
                            {"range_end", base64Encode(prefixEnd(prefix))},
                            {"limit", limit},
                            {"sort_order", "DESCEND"},
                            {"sort_target", "KEY"},
                            {"keys_only", keys_only}});
  std::vector<KeyValue> kvs = impl_->parsed("range", [&] { return parseKvs(reply); });
  std::reverse(kvs.begin(), kvs.end());
  return kvs;
}

std::int64_t EtcdClient::deleteKey(const std::string& key) {
  json reply = impl_->call("delete", "/v3/kv/deleterange", {{"key", base64Encode(key)}});
  return impl_->parsed("delete", [&] { return int64Field(reply, "deleted"); });
}

TxnResult EtcdClient::txn(const std::vector<Compare>& compares,
                          const std::vector<Operation>& success,
                          const std::vector<Operation>& failure) {
  json body = {{"compare", json::array()}, {"success", json::array()}, {"failure", json::array()}};
  for (const Compare& compare : compares) {
    body["compare"].push_back(compareJson(compare));
  }
  for (const Operation& op : success) {
    body["success"].push_back(operationJson(op));
  }
  for (const Operation& op : failure) {
    body["failure"].push_back(operationJson(op));
  }
  json reply = impl_->call("txn", "/v3/kv/txn", body);
  return impl_->parsed("txn", [&] {
    TxnResult result;
    result.succeeded = boolField(reply, "succeeded");
    result.revision = headerRevision(reply);
    const std::vector<Operation>& ran = result.succeeded ? success : failure;
    auto responses = reply.find("responses");
    const json none = json::array();
    const json& list = responses == reply.end() || responses->is_null() ? none : *responses;
    if (!list.is_array()) {
      throw std::invalid_argument("field responses is not an array");
    }
    // One entry per operation of the branch that ran; only a Range's holds key-values.
    result.ranges.resize(ran.size());
    for (std::size_t i = 0; i < ran.size() && i < list.size(); ++i) {
      auto range = list[i].find("response_range");
      if (ran[i].kind == Operation::Kind::Range && range != list[i].end()) {
        result.ranges[i] = parseKvs(*range);
      }
    }
    return result;
  });
}

std::string EtcdClient::endpoint() const {
  return impl_->endpointInUse();
}

}  // namespace planb::cluster
