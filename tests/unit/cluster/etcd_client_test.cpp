// EtcdClient against a scripted transport: what it sends to etcd's v3 gateway (base64 keys and
// values, int64 as strings), how it reads replies (omitted zero values, int64 strings, the
// keepalive stream), how etcd's errors map to EtcdError kinds, endpoint failover, and that no
// message ever holds the password or the token.

#include "cluster/etcd_client.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "fakes/scripted_transport.hpp"

namespace planb::cluster {
namespace {

using net::Error;
using net::HttpRequest;
using net::HttpResponse;
using net::Result;
using nlohmann::json;
using testing::reply;
using testing::ScriptedTransport;

constexpr const char* kHeader =
    R"("header":{"cluster_id":"14841639068965178418","member_id":"10276657743932975437","revision":"7","raft_term":"2"})";
constexpr std::int64_t kBigLease = 7587899187931286793;  // above 2^53: a double would round it

std::string withHeader(const std::string& fields = "") {
  return std::string("{") + kHeader + (fields.empty() ? "" : "," + fields) + "}";
}

Result<HttpResponse> noConnection(const HttpRequest& request) {
  return Error{net::ErrorKind::Transient,
               "POST " + request.url + ": Failed to connect: Connection refused", std::nullopt};
}

std::string etcdError(const std::string& message, int code) {
  return json{{"error", message}, {"message", message}, {"code", code}}.dump();
}

struct Fixture {
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  EtcdOptions options;
  Fixture() { options.endpoints = {"http://127.0.0.1:2379"}; }
  EtcdClient client() { return EtcdClient(options, transport); }
  json body(std::size_t i = 0) const { return json::parse(transport->requests.at(i).body); }
  std::string path(std::size_t i = 0) const {
    const std::string& url = transport->requests.at(i).url;
    return url.substr(url.find("/v3/"));
  }
};

// Which EtcdError CALL throws, with its message.
template <typename F>
std::pair<EtcdError::Kind, std::string> errorOf(F&& call) {
  try {
    call();
  } catch (const EtcdError& e) {
    return {e.kind(), e.what()};
  }
  FAIL("no EtcdError was thrown");
  return {};
}

TEST_CASE("base64 encodes and decodes every byte value with standard padding") {
  CHECK(base64Encode("") == "");
  CHECK(base64Encode("f") == "Zg==");
  CHECK(base64Encode("fo") == "Zm8=");
  CHECK(base64Encode("foo") == "Zm9v");
  CHECK(base64Encode("/planb/") == "L3BsYW5iLw==");
  CHECK(base64Encode(std::string("\xff\xfe\x00", 3)) == "//4A");
  std::string all;
  for (int c = 0; c < 256; ++c) {
    all.push_back(static_cast<char>(c));
  }
  for (std::size_t length = 0; length <= all.size(); length += 37) {
    std::string bytes = all.substr(0, length);
    CHECK(base64Decode(base64Encode(bytes)) == bytes);
  }
  CHECK(base64Decode("Zg==") == "f");
  CHECK(base64Decode("Zm8=") == "fo");
  CHECK(base64Decode("//4A") == std::string("\xff\xfe\x00", 3));
}

TEST_CASE("base64Decode refuses what is not padded standard base64") {
  for (const char* bad :
       {"Zg", "Zg=", "Z===", "Zm9v\n", "Zm-v", "Zm_v", "=Zm9", "Zg==Zg==", "Z=g="}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(base64Decode(bad), std::invalid_argument);
  }
}

TEST_CASE("prefixEnd increments the last byte below 0xff and drops the 0xff bytes after it") {
  CHECK(prefixEnd("/planb/") == "/planb0");
  CHECK(prefixEnd("a") == "b");
  CHECK(prefixEnd(std::string("a\xff\xff", 3)) == "b");
  CHECK(prefixEnd(std::string("\xff", 1)) == std::string(1, '\0'));
  CHECK(prefixEnd("") == std::string(1, '\0'));
}

TEST_CASE("put sends base64 key and value and the lease as a string, and returns the revision") {
  Fixture f;
  f.transport->answer([](const HttpRequest&) { return reply(200, withHeader()); });
  EtcdClient client = f.client();
  std::string key("/planb/\x00\xff k", 10);
  CHECK(client.put(key, "v\n", kBigLease) == 7);
  REQUIRE(f.transport->requests.size() == 1);
  const HttpRequest& request = f.transport->requests[0];
  CHECK(request.method == "POST");
  CHECK(request.url == "http://127.0.0.1:2379/v3/kv/put");
  json body = f.body();
  CHECK(body["key"] == base64Encode(key));
  CHECK(body["value"] == "dgo=");
  CHECK(body["lease"] == "7587899187931286793");
  // No token without a user.
  for (const auto& [name, value] : request.headers) {
    CHECK(name != "Authorization");
  }
}

TEST_CASE("a put without a lease sends no lease field") {
  Fixture f;
  f.transport->answer([](const HttpRequest&) { return reply(200, withHeader()); });
  f.client().put("k", "");
  CHECK_FALSE(f.body().contains("lease"));
  CHECK(f.body()["value"] == "");
}

TEST_CASE("get reads a key-value with int64 strings, and an empty range as no key") {
  Fixture f;
  f.transport->answer([](const HttpRequest& request) {
    json body = json::parse(request.body);
    if (body["key"] == base64Encode("missing")) {
      return reply(200, withHeader());  // no kvs, no count
    }
    return reply(200, withHeader(R"("kvs":[{"key":"L3BsYW5iL2E=","create_revision":"5",)"
                                 R"("mod_revision":"6","version":"2","value":"AP8=",)"
                                 R"("lease":"7587899187931286793"}],"count":"1")"));
  });
  EtcdClient client = f.client();
  std::optional<KeyValue> kv = client.get("/planb/a");
  REQUIRE(kv);
  CHECK(kv->key == "/planb/a");
  CHECK(kv->value == std::string("\x00\xff", 2));
  CHECK(kv->create_revision == 5);
  CHECK(kv->mod_revision == 6);
  CHECK(kv->version == 2);
  CHECK(kv->lease == kBigLease);
  CHECK(f.path() == "/v3/kv/range");
  CHECK_FALSE(f.body().contains("range_end"));
  CHECK(client.get("missing") == std::nullopt);
}

TEST_CASE("a key-value whose zero fields are left out reads as zeros and empty strings") {
  Fixture f;
  f.transport->answer([](const HttpRequest&) {
    return reply(200, withHeader(R"("kvs":[{"key":"YQ==","create_revision":"3","mod_revision":"3",)"
                                 R"("version":"1"}],"count":"1")"));
  });
  std::optional<KeyValue> kv = f.client().get("a");
  REQUIRE(kv);
  CHECK(kv->value.empty());
  CHECK(kv->lease == 0);
}

TEST_CASE("rangePrefix asks for the prefix's range_end and returns the keys in order") {
  Fixture f;
  f.transport->answer([](const HttpRequest&) {
    return reply(200, withHeader(R"("kvs":[{"key":"L3AvYQ==","value":"MQ==","create_revision":"2",)"
                                 R"("mod_revision":"2","version":"1"},{"key":"L3AvYg==",)"
                                 R"("value":"Mg==","create_revision":"3","mod_revision":"3",)"
                                 R"("version":"1"}],"count":"2")"));
  });
  std::vector<KeyValue> kvs = f.client().rangePrefix("/p/");
  CHECK(f.body()["key"] == base64Encode("/p/"));
  CHECK(f.body()["range_end"] == base64Encode("/p0"));
  REQUIRE(kvs.size() == 2);
  CHECK(kvs[0].key == "/p/a");
  CHECK(kvs[0].value == "1");
  CHECK(kvs[1].key == "/p/b");
}

TEST_CASE("deleteKey returns how many keys went, 0 when the field is left out") {
  Fixture f;
  int calls = 0;
  f.transport->answer([&](const HttpRequest&) {
    return reply(200, ++calls == 1 ? withHeader(R"("deleted":"1")") : withHeader());
  });
  EtcdClient client = f.client();
  CHECK(client.deleteKey("k") == 1);
  CHECK(f.path() == "/v3/kv/deleterange");
  CHECK(client.deleteKey("k") == 0);
}

TEST_CASE("grantLease sends the TTL and returns an ID above 2^53 exactly") {
  Fixture f;
  f.transport->answer([](const HttpRequest&) {
    return reply(200, withHeader(R"("ID":"7587899187931286793","TTL":"5")"));
  });
  CHECK(f.client().grantLease(std::chrono::seconds(5)) == kBigLease);
  CHECK(f.path() == "/v3/lease/grant");
  CHECK(f.body()["TTL"] == "5");
}

TEST_CASE("a grant reply without an ID is a Rejected error") {
  Fixture f;
  f.transport->answer([](const HttpRequest&) { return reply(200, withHeader(R"("TTL":"5")")); });
  auto [kind, message] = errorOf([&] { f.client().grantLease(std::chrono::seconds(5)); });
  CHECK(kind == EtcdError::Kind::Rejected);
  CHECK(message.find("lease grant") != std::string::npos);
}

TEST_CASE("keepAlive returns the TTL of the streamed result line") {
  Fixture f;
  f.transport->answer([](const HttpRequest&) {
    return reply(200, std::string(R"({"result":{)") + kHeader +
                          R"(,"ID":"7587899187931286793","TTL":"5"}})" + "\n");
  });
  CHECK(f.client().keepAlive(kBigLease) == std::chrono::seconds(5));
  CHECK(f.path() == "/v3/lease/keepalive");
  CHECK(f.body()["ID"] == "7587899187931286793");
}

TEST_CASE("keepAlive of a lease that is gone returns nullopt: no TTL, TTL 0, or lease not found") {
  Fixture f;
  int calls = 0;
  f.transport->answer([&](const HttpRequest&) {
    switch (++calls) {
      case 1:
        return reply(200, std::string(R"({"result":{)") + kHeader +
                              R"(,"ID":"7587899187931286793"}})" + "\n");
      case 2:
        return reply(200, R"({"result":{"ID":"1","TTL":"0"}})");
      default:
        return reply(404, etcdError("etcdserver: requested lease not found", 5));
    }
  });
  EtcdClient client = f.client();
  CHECK(client.keepAlive(kBigLease) == std::nullopt);
  CHECK(client.keepAlive(1) == std::nullopt);
  CHECK(client.keepAlive(1) == std::nullopt);
}

TEST_CASE("revokeLease posts the ID; a lease that is gone is LeaseNotFound") {
  Fixture f;
  int calls = 0;
  f.transport->answer([&](const HttpRequest&) {
    return ++calls == 1 ? reply(200, withHeader())
                        : reply(404, etcdError("etcdserver: requested lease not found", 5));
  });
  EtcdClient client = f.client();
  client.revokeLease(kBigLease);
  CHECK(f.path() == "/v3/lease/revoke");
  CHECK(f.body()["ID"] == "7587899187931286793");
  auto [kind, message] = errorOf([&] { client.revokeLease(kBigLease); });
  CHECK(kind == EtcdError::Kind::LeaseNotFound);
  CHECK(message ==
        "etcd lease revoke at http://127.0.0.1:2379: etcdserver: requested lease not found (code "
        "5)");
}

TEST_CASE("txn sends compares and operations in the gateway's field names") {
  Fixture f;
  f.transport->answer([](const HttpRequest&) {
    return reply(200,
                 withHeader(R"("succeeded":true,"responses":[{"response_put":{"header":{}}}])"));
  });
  std::vector<Compare> compares = {
      {"k", Compare::Target::Create, Compare::Result::Equal, 0, ""},
      {"k", Compare::Target::Mod, Compare::Result::Less, kBigLease, ""},
      {"k", Compare::Target::Version, Compare::Result::Greater, 2, ""},
      {"k", Compare::Target::Value, Compare::Result::NotEqual, 0, "v"},
      {"k", Compare::Target::Lease, Compare::Result::Equal, kBigLease, ""}};
  std::vector<Operation> success = {{Operation::Kind::Put, "k", "v", kBigLease, ""}};
  std::vector<Operation> failure = {{Operation::Kind::Range, "/p/", "", 0, prefixEnd("/p/")},
                                    {Operation::Kind::DeleteRange, "d", "", 0, ""}};
  TxnResult result = f.client().txn(compares, success, failure);
  CHECK(result.succeeded);
  CHECK(result.revision == 7);
  CHECK(result.ranges.size() == 1);
  CHECK(f.path() == "/v3/kv/txn");
  json expected = json::parse(R"({
    "compare":[
      {"key":"aw==","result":"EQUAL","target":"CREATE","create_revision":"0"},
      {"key":"aw==","result":"LESS","target":"MOD","mod_revision":"7587899187931286793"},
      {"key":"aw==","result":"GREATER","target":"VERSION","version":"2"},
      {"key":"aw==","result":"NOT_EQUAL","target":"VALUE","value":"dg=="},
      {"key":"aw==","result":"EQUAL","target":"LEASE","lease":"7587899187931286793"}],
    "success":[{"request_put":{"key":"aw==","value":"dg==","lease":"7587899187931286793"}}],
    "failure":[{"request_range":{"key":"L3Av","range_end":"L3Aw"}},
               {"request_delete_range":{"key":"ZA=="}}]})");
  CHECK(f.body() == expected);
}

TEST_CASE("a failed txn (no succeeded field) returns the failure branch's ranges") {
  Fixture f;
  f.transport->answer([](const HttpRequest&) {
    return reply(200,
                 withHeader(R"("responses":[{"response_delete_range":{"header":{}}},)"
                            R"({"response_range":{"header":{},"kvs":[{"key":"aw==",)"
                            R"("value":"bm9kZS1h","create_revision":"4","mod_revision":"4",)"
                            R"("version":"1","lease":"7587899187931286793"}],"count":"1"}}])"));
  });
  TxnResult result = f.client().txn(
      {{"k", Compare::Target::Create, Compare::Result::Equal, 0, ""}},
      {{Operation::Kind::Put, "k", "node-b", 0, ""}},
      {{Operation::Kind::DeleteRange, "x", "", 0, ""}, {Operation::Kind::Range, "k", "", 0, ""}});
  CHECK_FALSE(result.succeeded);
  CHECK(result.revision == 7);
  REQUIRE(result.ranges.size() == 2);
  CHECK(result.ranges[0].empty());
  REQUIRE(result.ranges[1].size() == 1);
  CHECK(result.ranges[1][0].value == "node-a");
  CHECK(result.ranges[1][0].lease == kBigLease);
}

TEST_CASE("a range with no match inside a txn (response_range without kvs) is an empty range") {
  Fixture f;
  f.transport->answer([](const HttpRequest&) {
    return reply(200, withHeader(R"("responses":[{"response_range":{"header":{}}}])"));
  });
  TxnResult result = f.client().txn({}, {}, {{Operation::Kind::Range, "k", "", 0, ""}});
  REQUIRE(result.ranges.size() == 1);
  CHECK(result.ranges[0].empty());
}

TEST_CASE("etcd's error replies map to EtcdError kinds, naming the call and the endpoint") {
  Fixture f;
  long status = 0;
  std::string body;
  f.transport->answer([&](const HttpRequest&) { return reply(status, body); });
  EtcdClient client = f.client();
  struct Case {
    long status;
    std::string body;
    EtcdError::Kind kind;
  };
  for (const Case& c : std::vector<Case>{
           {404, etcdError("etcdserver: requested lease not found", 5),
            EtcdError::Kind::LeaseNotFound},
           {401, etcdError("etcdserver: invalid auth token", 16), EtcdError::Kind::Unauthenticated},
           {401, "unauthorized", EtcdError::Kind::Unauthenticated},
           {400, etcdError("etcdserver: user name is empty", 3), EtcdError::Kind::Unauthenticated},
           {400, etcdError("illegal base64 data at input byte 0", 3), EtcdError::Kind::Rejected},
           {413, "too large", EtcdError::Kind::Rejected},
           {200, etcdError("etcdserver: request is too large", 8), EtcdError::Kind::Rejected},
           {200,
            R"({"error":{"grpc_code":5,"http_code":404,"message":"etcdserver: requested lease )"
            R"(not found","http_status":"Not Found"}})",
            EtcdError::Kind::LeaseNotFound}}) {
    status = c.status;
    body = c.body;
    CAPTURE(body);
    auto [kind, message] = errorOf([&] { client.put("k", "v"); });
    CHECK(kind == c.kind);
    CHECK(message.starts_with("etcd put at http://127.0.0.1:2379: "));
  }
}

TEST_CASE("no endpoint answering is Unavailable, naming every endpoint tried") {
  Fixture f;
  f.options.endpoints = {"http://127.0.0.1:1", "http://127.0.0.1:2/"};
  int calls = 0;
  f.transport->answer([&](const HttpRequest& request) {
    return ++calls == 1 ? noConnection(request)
                        : reply(503, etcdError("etcdserver: no leader", 14));
  });
  EtcdClient client = f.client();
  auto [kind, message] = errorOf([&] { client.get("k"); });
  CHECK(kind == EtcdError::Kind::Unavailable);
  CHECK(message.find("127.0.0.1:1") != std::string::npos);
  CHECK(message.find("127.0.0.1:2/v3/kv/range: HTTP 503") != std::string::npos);
  CHECK(f.transport->requests.size() == 2);
}

TEST_CASE("a dead or failing endpoint is skipped and the one that answered is kept") {
  Fixture f;
  f.options.endpoints = {"http://10.0.0.1:2379", "http://10.0.0.2:2379", "http://10.0.0.3:2379"};
  f.transport->answer([](const HttpRequest& request) {
    if (request.url.starts_with("http://10.0.0.1:")) {
      return noConnection(request);
    }
    if (request.url.starts_with("http://10.0.0.2:")) {
      return Result<HttpResponse>(reply(502, "bad gateway"));
    }
    return Result<HttpResponse>(reply(200, withHeader()));
  });
  EtcdClient client = f.client();
  CHECK(client.endpoint() == "http://10.0.0.1:2379");
  client.put("k", "v");
  CHECK(client.endpoint() == "http://10.0.0.3:2379");
  CHECK(f.transport->requests.size() == 3);
  client.put("k", "v");
  CHECK(f.transport->requests.size() == 4);  // straight to the one that works
  CHECK(f.transport->requests[3].url == "http://10.0.0.3:2379/v3/kv/put");
}

TEST_CASE("an error reply of etcd is not a reason to try another endpoint") {
  Fixture f;
  f.options.endpoints = {"http://10.0.0.1:2379", "http://10.0.0.2:2379"};
  f.transport->answer([](const HttpRequest&) {
    return reply(400, etcdError("illegal base64 data at input byte 0", 3));
  });
  auto [kind, message] = errorOf([&] { f.client().put("k", "v"); });
  CHECK(kind == EtcdError::Kind::Rejected);
  CHECK(f.transport->requests.size() == 1);
}

TEST_CASE("with a user, the client authenticates and sends the raw token") {
  Fixture f;
  f.options.username = "root";
  f.options.password = "pw-9f8e7d";
  f.transport->answer([](const HttpRequest& request) {
    if (request.url.ends_with("/v3/auth/authenticate")) {
      return reply(200, withHeader(R"("token":"tok.ABCDEF.12")"));
    }
    return reply(200, withHeader());
  });
  EtcdClient client = f.client();
  client.put("k", "v");
  client.put("k", "w");
  REQUIRE(f.transport->requests.size() == 3);  // one authentication for both calls
  CHECK(f.path(0) == "/v3/auth/authenticate");
  CHECK(f.body(0) == json{{"name", "root"}, {"password", "pw-9f8e7d"}});
  for (const auto& [name, value] : f.transport->requests[0].headers) {
    CHECK(name != "Authorization");
  }
  for (std::size_t i : {1, 2}) {
    bool sent = false;
    for (const auto& [name, value] : f.transport->requests[i].headers) {
      if (name == "Authorization") {
        CHECK(value == "tok.ABCDEF.12");
        sent = true;
      }
    }
    CHECK(sent);
  }
}

TEST_CASE("an expired token is renewed once and the call retried") {
  Fixture f;
  f.options.username = "root";
  f.options.password = "pw-9f8e7d";
  int tokens = 0;
  std::string valid = "tok.1";
  f.transport->answer([&](const HttpRequest& request) {
    if (request.url.ends_with("/v3/auth/authenticate")) {
      return reply(200, withHeader(R"("token":"tok.)" + std::to_string(++tokens) + R"(")"));
    }
    for (const auto& [name, value] : request.headers) {
      if (name == "Authorization" && value == valid) {
        return reply(200, withHeader());
      }
    }
    return reply(401, etcdError("etcdserver: invalid auth token", 16));
  });
  EtcdClient client = f.client();
  client.put("k", "v");  // authenticates: tok.1
  CHECK(f.transport->requests.size() == 2);
  valid = "tok.2";       // tok.1 expires
  client.put("k", "v");  // refused, authenticates again (tok.2), retried
  CHECK(tokens == 2);
  REQUIRE(f.transport->requests.size() == 5);
  CHECK(f.path(3) == "/v3/auth/authenticate");
  CHECK(f.path(4) == "/v3/kv/put");
}

TEST_CASE("a token refused right after authenticating is Unauthenticated, without a loop") {
  Fixture f;
  f.options.username = "root";
  f.options.password = "pw-9f8e7d";
  f.transport->answer([&](const HttpRequest& request) {
    if (request.url.ends_with("/v3/auth/authenticate")) {
      return reply(200, withHeader(R"("token":"tok.SECRET.1")"));
    }
    return reply(401, etcdError("etcdserver: invalid auth token", 16));
  });
  auto [kind, message] = errorOf([&] { f.client().put("k", "v"); });
  CHECK(kind == EtcdError::Kind::Unauthenticated);
  CHECK(f.transport->requests.size() == 2);
  CHECK(message.find("tok.SECRET") == std::string::npos);
}

TEST_CASE("a wrong password is Unauthenticated, and no message holds the password or token") {
  Fixture f;
  f.options.username = "root";
  f.options.password = "hunter2-secret";
  f.transport->answer([](const HttpRequest& request) {
    // An etcd that would echo what it was sent: the client must still not repeat it.
    return reply(400, etcdError("etcdserver: authentication failed, invalid user ID or password "
                                "for " +
                                    request.body,
                                3));
  });
  auto [kind, message] = errorOf([&] { f.client().get("k"); });
  CHECK(kind == EtcdError::Kind::Unauthenticated);
  CHECK(message.find("hunter2-secret") == std::string::npos);
  CHECK(message.find("authentication failed") != std::string::npos);
  CHECK(message.find("root") != std::string::npos);
}

TEST_CASE("a token echoed in an error reply does not reach the message") {
  Fixture f;
  f.options.username = "root";
  f.options.password = "hunter2-secret";
  f.transport->answer([](const HttpRequest& request) {
    if (request.url.ends_with("/v3/auth/authenticate")) {
      return reply(200, withHeader(R"("token":"tok.QWERTY.7")"));
    }
    return reply(400, etcdError("bad request with token tok.QWERTY.7", 3));
  });
  auto [kind, message] = errorOf([&] { f.client().get("k"); });
  CHECK(kind == EtcdError::Kind::Rejected);
  CHECK(message.find("tok.QWERTY.7") == std::string::npos);
  CHECK(message.find("***") != std::string::npos);
}

TEST_CASE("a user configured for an etcd without auth goes on without a token") {
  Fixture f;
  f.options.username = "root";
  f.options.password = "pw";
  f.transport->answer([](const HttpRequest& request) {
    if (request.url.ends_with("/v3/auth/authenticate")) {
      return reply(400, etcdError("etcdserver: authentication is not enabled", 9));
    }
    return reply(200, withHeader());
  });
  EtcdClient client = f.client();
  client.put("k", "v");
  client.put("k", "v");
  CHECK(f.transport->requests.size() == 3);
  for (const auto& [name, value] : f.transport->requests[2].headers) {
    CHECK(name != "Authorization");
  }
}

TEST_CASE("a reply that is not JSON from an endpoint counts as no reply") {
  Fixture f;
  f.options.endpoints = {"http://10.0.0.1:2379", "http://10.0.0.2:2379"};
  f.transport->answer([](const HttpRequest& request) {
    return request.url.starts_with("http://10.0.0.1:") ? reply(200, "<html>proxy</html>")
                                                       : reply(200, withHeader());
  });
  EtcdClient client = f.client();
  client.put("k", "v");
  CHECK(client.endpoint() == "http://10.0.0.2:2379");
}

TEST_CASE("a reply with a bad base64 key or a bad int64 is Rejected") {
  Fixture f;
  std::string body;
  f.transport->answer([&](const HttpRequest&) { return reply(200, body); });
  EtcdClient client = f.client();
  body = withHeader(R"("kvs":[{"key":"not base64!"}])");
  CHECK(errorOf([&] { client.get("k"); }).first == EtcdError::Kind::Rejected);
  body = withHeader(R"("kvs":[{"key":"aw==","mod_revision":"12x"}])");
  CHECK(errorOf([&] { client.get("k"); }).first == EtcdError::Kind::Rejected);
}

TEST_CASE("a client needs at least one endpoint") {
  CHECK_THROWS_AS(EtcdClient(EtcdOptions{}, std::make_shared<ScriptedTransport>()),
                  std::invalid_argument);
}

}  // namespace
}  // namespace planb::cluster
