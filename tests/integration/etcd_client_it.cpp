// EtcdClient against a real etcd 3.4 on 127.0.0.1 (harness/etcd_server.hpp): keys and values
// with any bytes, leases that keep and lose their keys, create-if-absent and fenced transactions,
// authentication, and an endpoint list whose first member is dead.

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include "cluster/etcd_client.hpp"
#include "harness/etcd_server.hpp"

using namespace planb::cluster;
using planb::testing::EtcdServer;
using std::chrono::seconds;

namespace {

EtcdOptions optionsFor(const EtcdServer& server) {
  EtcdOptions options;
  options.endpoints = {server.endpoint()};
  options.timeout = std::chrono::milliseconds(3000);
  return options;
}

template <typename F>
EtcdError errorOf(F&& call) {
  try {
    call();
  } catch (const EtcdError& e) {
    return e;
  }
  FAIL("no EtcdError was thrown");
  return EtcdError(EtcdError::Kind::Rejected, "");
}

// A key of PREFIX with bytes JSON and base64 must carry unchanged: NUL, 0xff, a newline, quotes.
const std::string kPrefix = std::string("/planb-it/\x01 ", 12);

}  // namespace

TEST_CASE("put, get, rangePrefix and deleteKey round-trip keys and values of any bytes") {
  EtcdServer server;
  EtcdClient client(optionsFor(server));
  const std::string a = kPrefix + std::string("a\x00\xff", 3);
  const std::string b = kPrefix + "b\n\"q\"";
  const std::string value = std::string("\x00\x01\xfe\xff{\"json\":1}", 15);

  std::int64_t first = client.put(b, "two");
  std::int64_t second = client.put(a, value);
  CHECK(second > first);
  // Just outside the prefix: its range_end itself, and a key after it.
  client.put(prefixEnd(kPrefix), "outside");
  client.put("/planb-it/\x02", "outside too");

  std::optional<KeyValue> kv = client.get(a);
  REQUIRE(kv);
  CHECK(kv->key == a);
  CHECK(kv->value == value);
  CHECK(kv->create_revision == second);
  CHECK(kv->mod_revision == second);
  CHECK(kv->version == 1);
  CHECK(kv->lease == 0);
  CHECK(client.get(kPrefix + "missing") == std::nullopt);

  client.put(a, "");  // an empty value is a value: the key stays
  kv = client.get(a);
  REQUIRE(kv);
  CHECK(kv->value.empty());
  CHECK(kv->version == 2);

  std::vector<KeyValue> kvs = client.rangePrefix(kPrefix);
  REQUIRE(kvs.size() == 2);
  CHECK(kvs[0].key == a);  // key order: 'a' before 'b'
  CHECK(kvs[1].key == b);
  CHECK(kvs[1].value == "two");
  CHECK(client.rangePrefix("/nothing/").empty());

  CHECK(client.deleteKey(a) == 1);
  CHECK(client.deleteKey(a) == 0);
  CHECK(client.get(a) == std::nullopt);
  CHECK(client.rangePrefix(kPrefix).size() == 1);
  CHECK(client.endpoint() == server.endpoint());
}

TEST_CASE("a granted lease is kept alive and reports its TTL") {
  EtcdServer server;
  EtcdClient client(optionsFor(server));
  std::int64_t lease = client.grantLease(seconds(10));
  CHECK(lease > 0);
  std::optional<seconds> ttl = client.keepAlive(lease);
  REQUIRE(ttl);
  CHECK(*ttl > seconds(0));
  CHECK(*ttl <= seconds(10));
  // etcd grants at least its minimum of 2 s.
  std::int64_t short_lease = client.grantLease(seconds(1));
  std::optional<seconds> short_ttl = client.keepAlive(short_lease);
  REQUIRE(short_ttl);
  CHECK(*short_ttl >= seconds(1));
}

TEST_CASE("keys attached to a revoked lease vanish and its keepalive returns nullopt") {
  EtcdServer server;
  EtcdClient client(optionsFor(server));
  std::int64_t lease = client.grantLease(seconds(30));
  client.put("/planb-it/nodes/a", "view", lease);
  std::optional<KeyValue> kv = client.get("/planb-it/nodes/a");
  REQUIRE(kv);
  CHECK(kv->lease == lease);  // IDs exceed 2^53: they survive the trip as int64

  client.revokeLease(lease);
  CHECK(client.get("/planb-it/nodes/a") == std::nullopt);
  CHECK(client.keepAlive(lease) == std::nullopt);
  EtcdError put = errorOf([&] { client.put("/planb-it/nodes/a", "view", lease); });
  CHECK(put.kind() == EtcdError::Kind::LeaseNotFound);
  EtcdError revoke = errorOf([&] { client.revokeLease(lease); });
  CHECK(revoke.kind() == EtcdError::Kind::LeaseNotFound);
}

TEST_CASE("a lease that is not kept alive expires with its keys") {
  EtcdServer server;
  EtcdClient client(optionsFor(server));
  std::int64_t lease = client.grantLease(seconds(2));
  client.put("/planb-it/nodes/b", "view", lease);
  // Bounded: the 2 s lease is gone within a few seconds of etcd's own clock.
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    gone = !client.get("/planb-it/nodes/b").has_value();
  }
  CHECK(gone);
  CHECK(client.keepAlive(lease) == std::nullopt);
}

TEST_CASE("a create-if-absent txn succeeds once; the second returns the holder") {
  EtcdServer server;
  EtcdClient node_a(optionsFor(server));
  EtcdClient node_b(optionsFor(server));
  const std::string key = "/planb-it/leader";
  std::int64_t lease_a = node_a.grantLease(seconds(30));
  std::int64_t lease_b = node_b.grantLease(seconds(30));
  auto campaign = [&](EtcdClient& client, const std::string& name, std::int64_t lease) {
    return client.txn({{key, Compare::Target::Create, Compare::Result::Equal, 0, ""}},
                      {{Operation::Kind::Put, key, name, lease, ""}},
                      {{Operation::Kind::Range, key, "", 0, ""}});
  };
  TxnResult first = campaign(node_a, "node-a", lease_a);
  CHECK(first.succeeded);
  CHECK(first.revision > 0);
  REQUIRE(first.ranges.size() == 1);  // one entry per operation of the branch that ran
  CHECK(first.ranges[0].empty());     // a put's entry

  TxnResult second = campaign(node_b, "node-b", lease_b);
  CHECK_FALSE(second.succeeded);
  CHECK(second.revision == first.revision);  // nothing was written
  REQUIRE(second.ranges.size() == 1);
  REQUIRE(second.ranges[0].size() == 1);
  const KeyValue& holder = second.ranges[0][0];
  CHECK(holder.key == key);
  CHECK(holder.value == "node-a");
  CHECK(holder.lease == lease_a);
  CHECK(holder.create_revision == first.revision);

  // The holder's lease ends: the key goes, and the other node can take it.
  node_a.revokeLease(lease_a);
  TxnResult third = campaign(node_b, "node-b", lease_b);
  CHECK(third.succeeded);
  CHECK(node_b.get(key)->value == "node-b");
}

TEST_CASE("a txn fenced on a stale create_revision fails and writes nothing") {
  EtcdServer server;
  EtcdClient client(optionsFor(server));
  const std::string leader = "/planb-it/leader";
  client.put(leader, "node-a");
  std::int64_t term = client.get(leader)->create_revision;
  auto fencedWrite = [&](const std::string& value) {
    return client.txn({{leader, Compare::Target::Create, Compare::Result::Equal, term, ""}},
                      {{Operation::Kind::Put, "/planb-it/records/www", value, 0, ""}},
                      {{Operation::Kind::Range, leader, "", 0, ""}});
  };
  CHECK(fencedWrite("aws").succeeded);
  // Leadership changes hands: the key is deleted and created again, with a new create_revision.
  client.deleteKey(leader);
  client.put(leader, "node-b");
  TxnResult stale = fencedWrite("aliyun");
  CHECK_FALSE(stale.succeeded);
  REQUIRE(stale.ranges.size() == 1);
  REQUIRE(stale.ranges[0].size() == 1);
  CHECK(stale.ranges[0][0].value == "node-b");
  CHECK(stale.ranges[0][0].create_revision > term);
  CHECK(client.get("/planb-it/records/www")->value == "aws");

  // The other compare targets, on a value and on a version.
  CHECK(client
            .txn({{leader, Compare::Target::Value, Compare::Result::Equal, 0, "node-b"},
                  {leader, Compare::Target::Version, Compare::Result::Equal, 1, ""}},
                 {}, {})
            .succeeded);
  CHECK_FALSE(
      client.txn({{leader, Compare::Target::Value, Compare::Result::Equal, 0, "node-a"}}, {}, {})
          .succeeded);
}

TEST_CASE("with authentication on, the right password works and a wrong one is Unauthenticated") {
  EtcdServer server;
  const std::string password = "It-pw-4b1d9e";
  server.enableAuth(password);

  EtcdOptions good = optionsFor(server);
  good.username = "root";
  good.password = password;
  EtcdClient client(good);
  client.put("/planb-it/auth", "ok");
  CHECK(client.get("/planb-it/auth")->value == "ok");
  std::int64_t lease = client.grantLease(seconds(10));
  CHECK(client.keepAlive(lease).has_value());
  TxnResult txn =
      client.txn({{"/planb-it/auth", Compare::Target::Value, Compare::Result::Equal, 0, "ok"}},
                 {{Operation::Kind::Range, "/planb-it/auth", "", 0, ""}});
  CHECK(txn.succeeded);

  EtcdOptions bad = good;
  bad.password = "wrong-" + password;
  EtcdClient intruder(bad);
  EtcdError refused = errorOf([&] { intruder.get("/planb-it/auth"); });
  CHECK(refused.kind() == EtcdError::Kind::Unauthenticated);
  std::string message = refused.what();
  CAPTURE(message);
  CHECK(message.find(password) == std::string::npos);
  CHECK(message.find("authentication failed") != std::string::npos);

  EtcdOptions anonymous = optionsFor(server);
  EtcdClient stranger(anonymous);
  CHECK(errorOf([&] { stranger.get("/planb-it/auth"); }).kind() ==
        EtcdError::Kind::Unauthenticated);
}

TEST_CASE("an endpoint list whose first member is dead still works, and keeps the live one") {
  EtcdServer server;
  EtcdOptions options = optionsFor(server);
  const std::uint16_t dead = EtcdServer::pickPort({server.clientPort(), server.peerPort()});
  options.endpoints = {"http://127.0.0.1:" + std::to_string(dead), server.endpoint()};
  EtcdClient client(options);
  client.put("/planb-it/failover", "1");
  CHECK(client.endpoint() == server.endpoint());
  CHECK(client.get("/planb-it/failover")->value == "1");

  // With every member down the call is Unavailable, and names the endpoints it tried.
  server.stop();
  EtcdError down = errorOf([&] { client.get("/planb-it/failover"); });
  CHECK(down.kind() == EtcdError::Kind::Unavailable);
  CHECK(std::string(down.what()).find(std::to_string(server.clientPort())) != std::string::npos);

  // Back on the same data: the client finds it again.
  server.restart();
  CHECK(client.get("/planb-it/failover")->value == "1");
}

TEST_CASE("over https the client presents its certificate and trusts only ca_file") {
  EtcdServer server(EtcdServer::Options{.name = "planb-it-tls", .tls = true});
  EtcdOptions options = optionsFor(server);
  options.ca_file = server.caFile();
  options.cert_file = server.clientCertFile();
  options.key_file = server.clientKeyFile();
  EtcdClient client(options);
  client.put("/planb-it/tls", "ok");
  CHECK(client.get("/planb-it/tls")->value == "ok");
  CHECK(client.endpoint().starts_with("https://127.0.0.1:"));

  // Without the client certificate etcd ends the handshake: no endpoint answered.
  EtcdOptions no_certificate = optionsFor(server);
  no_certificate.ca_file = server.caFile();
  EtcdClient anonymous(no_certificate);
  CHECK(errorOf([&] { anonymous.get("/planb-it/tls"); }).kind() == EtcdError::Kind::Unavailable);

  // Without ca_file the private CA is not trusted.
  EtcdOptions system_cas = options;
  system_cas.ca_file.reset();
  EtcdClient untrusting(system_cas);
  CHECK(errorOf([&] { untrusting.get("/planb-it/tls"); }).kind() == EtcdError::Kind::Unavailable);
}
