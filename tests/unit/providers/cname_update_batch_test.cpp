// Batched RFC 2136 UPDATEs (cname_update_batch.hpp) against an in-memory zone that treats each
// UPDATE message as RFC 2136 §3 tells a server to: no network. The same batches against a real
// BIND 9 are in tests/integration/rfc2136_provider_it.cpp.

#include "providers/cname_update_batch.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/dns_name.hpp"

using namespace planb::net;
using namespace planb::providers;

namespace {

const std::string kZone = "example.test.";

TsigKey batchKey() {
  TsigKey key;
  key.name = "planb-key.";
  key.secret = planb::net::Secret("c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0");
  return key;
}

std::string dnameText(const ldns_rdf* rdf) {
  std::unique_ptr<char, decltype(&std::free)> text(ldns_rdf2str(rdf), &std::free);
  return planb::core::canonicalName(text ? text.get() : "");
}

ServedRecord cname(const std::string& target, std::uint32_t ttl = 60) {
  ServedRecord served;
  served.kind = ServedRecord::Kind::Cname;
  served.target = target;
  served.ttl = ttl;
  return served;
}

// A primary server's zone as RFC 2136 has it handle an UPDATE (https://www.rfc-editor.org/rfc/
// rfc2136, §3.2 to §3.4): every prerequisite is checked before anything changes, and the first
// that fails is the RCODE (NXRRSET when an RRset, or one with exactly that value, is missing;
// YXRRSET when one must not exist); then the permission check (§3.3: REFUSED, nothing changed);
// then the updates in order, where deleting a missing RRset is ignored and an added CNAME is
// ignored at a name holding another type (§3.4.2.2). Only the CNAME forms planb sends are
// modelled. Every message is received as the bytes that would go over the wire.
struct FakeZone {
  std::map<std::string, ServedRecord> names;
  std::set<std::string> outside_policy;    // names the key may not change
  bool always_fail_prerequisites = false;  // a server whose reads and writes disagree
  std::vector<std::size_t> message_sizes;
  std::vector<int> prerequisite_counts;
  std::size_t reads = 0;

  ServedRecord at(const std::string& name) const {
    auto it = names.find(name);
    return it == names.end() ? ServedRecord{} : it->second;
  }

  Result<Reply> receive(const ldns_pkt* message) {
    std::vector<std::uint8_t> wire = toWire(message);
    message_sizes.push_back(wire.size());
    ldns_pkt* raw = nullptr;
    REQUIRE(ldns_wire2pkt(&raw, wire.data(), wire.size()) == LDNS_STATUS_OK);
    PktPtr parsed(raw);
    const ldns_rr_list* prerequisites = ldns_pkt_answer(parsed.get());
    const ldns_rr_list* updates = ldns_pkt_authority(parsed.get());
    prerequisite_counts.push_back(static_cast<int>(ldns_rr_list_rr_count(prerequisites)));
    return Reply{answer(parsed.get(), apply(prerequisites, updates)), true};
  }

  int apply(const ldns_rr_list* prerequisites, const ldns_rr_list* updates) {
    for (std::size_t i = 0; i < ldns_rr_list_rr_count(prerequisites); ++i) {
      const ldns_rr* rr = ldns_rr_list_rr(prerequisites, i);
      const ServedRecord served = at(dnameText(ldns_rr_owner(rr)));
      const bool has_cname = served.kind == ServedRecord::Kind::Cname;
      switch (ldns_rr_get_class(rr)) {
        case LDNS_RR_CLASS_ANY:
          if (!has_cname) {
            return LDNS_RCODE_NXRRSET;
          }
          break;
        case LDNS_RR_CLASS_NONE:
          if (has_cname) {
            return LDNS_RCODE_YXRRSET;
          }
          break;
        default:
          if (!has_cname || served.target != dnameText(ldns_rr_rdf(rr, 0))) {
            return LDNS_RCODE_NXRRSET;
          }
          break;
      }
    }
    if (always_fail_prerequisites) {
      return LDNS_RCODE_NXRRSET;
    }
    for (std::size_t i = 0; i < ldns_rr_list_rr_count(updates); ++i) {
      if (outside_policy.count(dnameText(ldns_rr_owner(ldns_rr_list_rr(updates, i)))) != 0) {
        return LDNS_RCODE_REFUSED;
      }
    }
    for (std::size_t i = 0; i < ldns_rr_list_rr_count(updates); ++i) {
      const ldns_rr* rr = ldns_rr_list_rr(updates, i);
      const std::string name = dnameText(ldns_rr_owner(rr));
      ServedRecord served = at(name);
      if (ldns_rr_get_class(rr) == LDNS_RR_CLASS_ANY) {
        if (served.kind == ServedRecord::Kind::Cname) {
          names.erase(name);
        }
      } else if (served.kind != ServedRecord::Kind::Conflict) {
        names[name] = cname(dnameText(ldns_rr_rdf(rr, 0)), ldns_rr_ttl(rr));
      }
    }
    return LDNS_RCODE_NOERROR;
  }

  static PktPtr answer(const ldns_pkt* query, int rcode) {
    PktPtr reply(ldns_pkt_new());
    ldns_pkt_set_id(reply.get(), ldns_pkt_id(query));
    ldns_pkt_set_qr(reply.get(), true);
    ldns_pkt_set_opcode(reply.get(), LDNS_PACKET_UPDATE);
    ldns_pkt_set_rcode(reply.get(), static_cast<std::uint8_t>(rcode));
    return reply;
  }

  std::vector<Result<ServedRecord>> read(const std::vector<std::string>& asked) {
    std::vector<Result<ServedRecord>> out;
    for (const std::string& name : asked) {
      ++reads;
      out.emplace_back(at(name));
    }
    return out;
  }

  UpdateBatchIo io() {
    UpdateBatchIo io;
    io.send = [this](const ldns_pkt* message, const std::string&) { return receive(message); };
    io.read = [this](const std::vector<std::string>& asked) { return read(asked); };
    io.next_id = [id = std::uint16_t{0}]() mutable { return ++id; };
    return io;
  }
};

std::string host(int i, const std::string& suffix = "") {
  return "r" + std::to_string(i) + suffix + "." + kZone;
}

ReplaceRequest swap(const std::string& name, const std::string& target,
                    std::optional<std::string> expected) {
  ReplaceRequest request;
  request.record = {kZone, name};
  request.new_target = target;
  request.ttl = 60;
  request.expected_target = std::move(expected);
  return request;
}

// N records served at old.example.net., each to move to new.example.net.
std::vector<ReplaceRequest> moveAll(FakeZone& zone, int n, const std::string& suffix = "") {
  std::vector<ReplaceRequest> changes;
  for (int i = 0; i < n; ++i) {
    zone.names[host(i, suffix)] = cname("old.example.net.");
    changes.push_back(swap(host(i, suffix), "new.example.net.", "old.example.net."));
  }
  return changes;
}

std::vector<Result<Written>> run(FakeZone& zone, const std::vector<ReplaceRequest>& changes,
                                 UpdateBatchLimits limits = {}) {
  UpdateBatchIo io = zone.io();
  return sendCnameUpdateBatch(changes, batchKey(), "127.0.0.1#53", io, limits);
}

bool written(const Result<Written>& result) {
  if (const auto* error = std::get_if<ProviderError>(&result)) {
    MESSAGE("unexpected error: " << error->message);
    return false;
  }
  return std::get<Written>(result).propagating_change.empty();
}

// The wire size of UPDATES in one message, signed or not. (ldns aborts signing a message larger
// than 65,535 bytes, so an oversized one is only measured unsigned.)
std::size_t wireSize(const std::vector<CnameUpdate>& updates, bool sign) {
  Result<PktPtr> built = buildCnameUpdates(updates, 1);
  REQUIRE(std::holds_alternative<PktPtr>(built));
  if (sign) {
    REQUIRE(std::holds_alternative<Unit>(signUpdate(std::get<PktPtr>(built).get(), batchKey())));
  }
  return toWire(std::get<PktPtr>(built).get()).size();
}

}  // namespace

TEST_CASE("500 swaps of one zone go out as one UPDATE and every record is applied") {
  FakeZone zone;
  std::vector<ReplaceRequest> changes = moveAll(zone, 500);
  std::vector<Result<Written>> results = run(zone, changes);
  REQUIRE(results.size() == 500);
  for (const Result<Written>& result : results) {
    CHECK(written(result));
  }
  CHECK(zone.message_sizes.size() == 1);
  CHECK(zone.prerequisite_counts == std::vector{500});
  CHECK(zone.reads == 0);
  CHECK(zone.at(host(499)).target == "new.example.net.");
}

TEST_CASE("the batch UPDATE holds each record's own prerequisite, then its delete and add") {
  std::vector<CnameUpdate> updates = {cnameUpdateFor(swap(host(0), "new.example.net.", "old.x.")),
                                      cnameUpdateFor(swap(host(1), "new.example.net.", {}))};
  Result<PktPtr> built = buildCnameUpdates(updates, 7);
  REQUIRE(std::holds_alternative<PktPtr>(built));
  const ldns_pkt* message = std::get<PktPtr>(built).get();
  CHECK(ldns_pkt_id(message) == 7);
  CHECK_FALSE(ldns_pkt_rd(message));
  const ldns_rr_list* prerequisites = ldns_pkt_answer(message);
  REQUIRE(ldns_rr_list_rr_count(prerequisites) == 2);
  CHECK(dnameText(ldns_rr_owner(ldns_rr_list_rr(prerequisites, 0))) == host(0));
  CHECK(ldns_rr_get_class(ldns_rr_list_rr(prerequisites, 0)) == LDNS_RR_CLASS_IN);
  CHECK(dnameText(ldns_rr_rdf(ldns_rr_list_rr(prerequisites, 0), 0)) == "old.x.");
  CHECK(dnameText(ldns_rr_owner(ldns_rr_list_rr(prerequisites, 1))) == host(1));
  CHECK(ldns_rr_get_class(ldns_rr_list_rr(prerequisites, 1)) == LDNS_RR_CLASS_NONE);
  const ldns_rr_list* changes = ldns_pkt_authority(message);
  REQUIRE(ldns_rr_list_rr_count(changes) == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(changes, i);
    CHECK(dnameText(ldns_rr_owner(rr)) == host(static_cast<int>(i / 2)));
    CHECK(ldns_rr_get_class(rr) == (i % 2 == 0 ? LDNS_RR_CLASS_ANY : LDNS_RR_CLASS_IN));
  }
  // One record alone is still the single UPDATE replace() sends.
  Result<PktPtr> one = buildCnameUpdates({updates.front()}, 7);
  Result<PktPtr> single = buildCnameUpdate(updates.front(), 7);
  CHECK(toWire(std::get<PktPtr>(one).get()) == toWire(std::get<PktPtr>(single).get()));
}

TEST_CASE("a batch too big for one TCP message is split into the fewest messages that fit") {
  FakeZone zone;
  // Long, distinct first labels, and names compress only against the first 16 KiB of a message
  // (pointers have 14 bits): 1,000 records need well over 65,535 bytes.
  const std::string label(55, 'x');
  std::vector<ReplaceRequest> changes = moveAll(zone, 1000, "-" + label);
  std::vector<Result<Written>> results = run(zone, changes);
  for (const Result<Written>& result : results) {
    CHECK(written(result));
  }
  REQUIRE(zone.message_sizes.size() >= 2);
  for (std::size_t size : zone.message_sizes) {
    CHECK(size <= kMaxTcpMessageBytes);
  }

  // Each message is as large as fits: one more record would have gone over.
  std::vector<CnameUpdate> updates;
  for (const ReplaceRequest& change : changes) {
    updates.push_back(cnameUpdateFor(change));
  }
  auto packed = packUpdates(updates, batchKey(), kMaxTcpMessageBytes);
  REQUIRE(std::holds_alternative<std::vector<std::vector<std::size_t>>>(packed));
  const auto& runs = std::get<std::vector<std::vector<std::size_t>>>(packed);
  CHECK(runs.size() == zone.message_sizes.size());
  std::size_t next = 0;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    REQUIRE(!runs[r].empty());
    CHECK(runs[r].front() == next);
    next = runs[r].back() + 1;
    std::vector<CnameUpdate> run_updates(
        updates.begin() + static_cast<std::ptrdiff_t>(runs[r].front()),
        updates.begin() + static_cast<std::ptrdiff_t>(next));
    const std::size_t signed_size = wireSize(run_updates, true);
    CHECK(signed_size <= kMaxTcpMessageBytes);
    if (next < updates.size()) {
      const std::size_t tsig = signed_size - wireSize(run_updates, false);
      run_updates.push_back(updates[next]);
      CHECK(wireSize(run_updates, false) + tsig > kMaxTcpMessageBytes);
    }
  }
  CHECK(next == updates.size());
}

TEST_CASE("a smaller message limit splits the same batch into more messages, all applied") {
  FakeZone zone;
  std::vector<ReplaceRequest> changes = moveAll(zone, 40);
  UpdateBatchLimits limits;
  limits.max_message_bytes = 1000;
  for (const Result<Written>& result : run(zone, changes, limits)) {
    CHECK(written(result));
  }
  CHECK(zone.message_sizes.size() > 2);
  for (std::size_t size : zone.message_sizes) {
    CHECK(size <= 1000);
  }
}

TEST_CASE(
    "a record changed behind the batch's back gets Conflict alone; one resent UPDATE "
    "carries the rest") {
  FakeZone zone;
  std::vector<ReplaceRequest> changes = moveAll(zone, 10);
  zone.names[host(3)] = cname("hand.example.net.");
  std::vector<Result<Written>> results = run(zone, changes);
  REQUIRE(results.size() == 10);
  for (int i = 0; i < 10; ++i) {
    CAPTURE(i);
    if (i == 3) {
      REQUIRE(std::holds_alternative<ProviderError>(results[3]));
      const ProviderError& error = std::get<ProviderError>(results[3]);
      CHECK(error.kind == ErrorKind::Conflict);
      CHECK(error.message == "compare-and-swap lost: " + host(3) +
                                 " serves hand.example.net., not the expected old.example.net.");
    } else {
      CHECK(written(results[static_cast<std::size_t>(i)]));
    }
  }
  CHECK(zone.prerequisite_counts == std::vector{10, 9});
  CHECK(zone.reads == 10);
  CHECK(zone.at(host(3)).target == "hand.example.net.");
  CHECK(zone.at(host(9)).target == "new.example.net.");
}

TEST_CASE("a refused batch counts a record already at its new target as written") {
  FakeZone zone;
  std::vector<ReplaceRequest> changes = moveAll(zone, 3);
  zone.names[host(1)] = cname("new.example.net.");  // an earlier copy had landed
  std::vector<Result<Written>> results = run(zone, changes);
  for (const Result<Written>& result : results) {
    CHECK(written(result));
  }
  CHECK(zone.prerequisite_counts == std::vector{3, 2});
}

TEST_CASE("a batch creating names that must hold no CNAME refuses only the one that has one") {
  FakeZone zone;
  std::vector<ReplaceRequest> changes;
  for (int i = 0; i < 4; ++i) {
    changes.push_back(swap(host(i), "new.example.net.", std::nullopt));
  }
  zone.names[host(2)] = cname("someone.example.net.");
  std::vector<Result<Written>> results = run(zone, changes);
  CHECK(written(results[0]));
  CHECK(written(results[1]));
  REQUIRE(std::holds_alternative<ProviderError>(results[2]));
  CHECK(std::get<ProviderError>(results[2]).kind == ErrorKind::Conflict);
  CHECK(written(results[3]));
}

TEST_CASE("a record the key may not change is refused alone and the others are applied") {
  FakeZone zone;
  std::vector<ReplaceRequest> changes = moveAll(zone, 16);
  zone.outside_policy.insert(host(5));
  std::vector<Result<Written>> results = run(zone, changes);
  for (int i = 0; i < 16; ++i) {
    CAPTURE(i);
    if (i == 5) {
      REQUIRE(std::holds_alternative<ProviderError>(results[5]));
      CHECK(std::get<ProviderError>(results[5]).kind == ErrorKind::Refused);
    } else {
      CHECK(written(results[static_cast<std::size_t>(i)]));
    }
  }
  // Halving finds it: 1 + 2 per level of 16 -> 8 -> 4 -> 2 -> 1.
  CHECK(zone.message_sizes.size() == 9);
  CHECK(zone.at(host(5)).target == "old.example.net.");
}

TEST_CASE(
    "prerequisites refused again and again, though the re-read finds them unchanged, stop "
    "after three sends") {
  FakeZone zone;
  zone.always_fail_prerequisites = true;
  std::vector<ReplaceRequest> changes = moveAll(zone, 5);
  std::vector<Result<Written>> results = run(zone, changes);
  for (const Result<Written>& result : results) {
    REQUIRE(std::holds_alternative<ProviderError>(result));
    CHECK(std::get<ProviderError>(result).kind == ErrorKind::Conflict);
  }
  CHECK(zone.message_sizes.size() == 3);
  CHECK(zone.reads == 15);
}

TEST_CASE("an UPDATE that gets no reply fails every record of it with that error") {
  FakeZone zone;
  std::vector<ReplaceRequest> changes = moveAll(zone, 4);
  UpdateBatchIo io = zone.io();
  int sends = 0;
  io.send = [&sends](const ldns_pkt*, const std::string& what) -> Result<Reply> {
    ++sends;
    return ProviderError{ErrorKind::Transient, "no reply to " + what, {}};
  };
  std::vector<Result<Written>> results =
      sendCnameUpdateBatch(changes, batchKey(), "127.0.0.1#53", io);
  CHECK(sends == 1);
  for (const Result<Written>& result : results) {
    REQUIRE(std::holds_alternative<ProviderError>(result));
    CHECK(std::get<ProviderError>(result).message ==
          "no reply to the UPDATE of 4 records of zone example.test.");
  }
}

TEST_CASE("an applied UPDATE whose reply is not authenticated is Auth for every record") {
  FakeZone zone;
  std::vector<ReplaceRequest> changes = moveAll(zone, 2);
  UpdateBatchIo io = zone.io();
  io.send = [&zone](const ldns_pkt* message, const std::string&) -> Result<Reply> {
    Result<Reply> reply = zone.receive(message);
    std::get<Reply>(reply).authenticated = false;
    return reply;
  };
  for (const Result<Written>& result :
       sendCnameUpdateBatch(changes, batchKey(), "127.0.0.1#53", io)) {
    REQUIRE(std::holds_alternative<ProviderError>(result));
    CHECK(std::get<ProviderError>(result).kind == ErrorKind::Auth);
  }
}
