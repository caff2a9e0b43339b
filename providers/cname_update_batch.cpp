#include "providers/cname_update_batch.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include "providers/compare_before_write.hpp"

namespace planb::providers {
namespace {

// The wire size of the unsigned message for UPDATES[members[first, first + count)], or the
// error that stops it being built. Measured unsigned: ldns signs in a buffer of 65,535 bytes and
// aborts on a larger message.
Result<std::size_t> unsignedSize(const std::vector<CnameUpdate>& updates,
                                 const std::vector<std::size_t>& members, std::size_t first,
                                 std::size_t count) {
  std::vector<CnameUpdate> run;
  run.reserve(count);
  for (std::size_t i = first; i < first + count; ++i) {
    run.push_back(updates[members[i]]);
  }
  Result<PktPtr> built = buildCnameUpdates(run, 0);
  if (auto* error = errorIn(built)) {
    return std::move(*error);
  }
  return toWire(std::get<PktPtr>(built).get()).size();
}

// The bytes KEY's TSIG RR adds to a message: its size depends on the key's name and algorithm
// only (the MAC has the algorithm's length, Other Data is empty in a request).
Result<std::size_t> tsigSize(const CnameUpdate& update, const TsigKey& key) {
  Result<PktPtr> built = buildCnameUpdate(update, 0);
  if (auto* error = errorIn(built)) {
    return std::move(*error);
  }
  ldns_pkt* message = std::get<PktPtr>(built).get();
  const std::size_t before = toWire(message).size();
  if (Result<Unit> signed_message = signUpdate(message, key);
      auto* error = errorIn(signed_message)) {
    return std::move(*error);
  }
  return toWire(message).size() - before;
}

Result<std::vector<std::vector<std::size_t>>> packMembers(const std::vector<CnameUpdate>& updates,
                                                          const std::vector<std::size_t>& members,
                                                          const TsigKey& key,
                                                          std::size_t max_bytes) {
  std::vector<std::vector<std::size_t>> runs;
  if (members.empty()) {
    return runs;
  }
  Result<std::size_t> tsig = tsigSize(updates[members.front()], key);
  if (auto* error = errorIn(tsig)) {
    return std::move(*error);
  }
  std::size_t first = 0;
  std::size_t previous = 0;  // the count of the run before
  while (first < members.size()) {
    const std::size_t rest = members.size() - first;
    // The largest count that fits, measured (names compress, so sizes do not add up record by
    // record): all of the rest at first; then from the previous run's count, doubled while it
    // fits, and bisected once it does not, so a large batch costs a few builds a message.
    std::size_t fits = 0;
    std::size_t too_big = rest + 1;
    std::size_t count = previous == 0 ? rest : std::min(rest, previous);
    while (fits + 1 < too_big) {
      Result<std::size_t> size = unsignedSize(updates, members, first, count);
      if (auto* error = errorIn(size)) {
        return std::move(*error);
      }
      if (std::get<std::size_t>(size) + std::get<std::size_t>(tsig) <= max_bytes) {
        fits = count;
      } else {
        too_big = count;
      }
      count = too_big == rest + 1 ? std::min(rest, 2 * fits) : fits + (too_big - fits) / 2;
    }
    if (fits == 0) {
      return ProviderError{ErrorKind::Permanent,
                           "the UPDATE of " + updates[members[first]].name + " alone exceeds " +
                               std::to_string(max_bytes) + " bytes",
                           {}};
    }
    runs.emplace_back(members.begin() + static_cast<std::ptrdiff_t>(first),
                      members.begin() + static_cast<std::ptrdiff_t>(first + fits));
    first += fits;
    previous = fits;
  }
  return runs;
}

bool failedPrerequisite(int rcode) {
  return rcode == LDNS_RCODE_NXDOMAIN || rcode == LDNS_RCODE_YXDOMAIN ||
         rcode == LDNS_RCODE_YXRRSET || rcode == LDNS_RCODE_NXRRSET;
}

// Refusals one record of the message can cause alone: the others may still be applied.
bool refusedForOneRecord(int rcode) {
  return rcode == LDNS_RCODE_REFUSED || rcode == LDNS_RCODE_NOTZONE || rcode == LDNS_RCODE_FORMERR;
}

class Batch {
 public:
  Batch(const std::vector<ReplaceRequest>& changes, const TsigKey& key, std::string server_label,
        const UpdateBatchIo& io, UpdateBatchLimits limits)
      : key_(key),
        key_name_(displayName(key)),
        server_label_(std::move(server_label)),
        io_(io),
        limits_(limits),
        results_(changes.size()) {
    updates_.reserve(changes.size());
    for (const ReplaceRequest& change : changes) {
      updates_.push_back(cnameUpdateFor(change));
    }
  }

  std::vector<Result<Written>> run() {
    std::vector<std::size_t> pending(updates_.size());
    for (std::size_t i = 0; i < pending.size(); ++i) {
      pending[i] = i;
    }
    for (int round = 1; !pending.empty(); ++round) {
      std::vector<std::size_t> lost = send(pending);
      if (lost.empty()) {
        break;
      }
      pending = unresolvedAfterReread(lost);
      if (round >= limits_.max_rounds) {
        for (std::size_t i : pending) {
          results_[i] = ProviderError{ErrorKind::Conflict,
                                      "compare-and-swap lost: server " + server_label_ +
                                          " refused a prerequisite of the UPDATE with " +
                                          updates_[i].name + " " + std::to_string(round) +
                                          " times, though a re-read found it unchanged",
                                      {}};
        }
        break;
      }
    }
    std::vector<Result<Written>> out;
    out.reserve(results_.size());
    for (std::optional<Result<Written>>& result : results_) {
      out.push_back(std::move(*result));
    }
    return out;
  }

 private:
  // Sends MEMBERS in as few messages as fit; the members of messages refused for a failed
  // prerequisite.
  std::vector<std::size_t> send(const std::vector<std::size_t>& members) {
    std::vector<std::size_t> lost;
    auto packed = packMembers(updates_, members, key_, limits_.max_message_bytes);
    if (auto* error = errorIn(packed)) {
      for (std::size_t i : members) {
        results_[i] = *error;
      }
      return lost;
    }
    for (const std::vector<std::size_t>& run : std::get<0>(packed)) {
      sendRun(run, lost);
    }
    return lost;
  }

  void sendRun(const std::vector<std::size_t>& run, std::vector<std::size_t>& lost) {
    std::vector<CnameUpdate> records;
    records.reserve(run.size());
    for (std::size_t i : run) {
      records.push_back(updates_[i]);
    }
    const std::string what = run.size() == 1 ? "the UPDATE of " + records.front().name
                                             : "the UPDATE of " + std::to_string(run.size()) +
                                                   " records of zone " + records.front().zone;
    Result<PktPtr> built = buildCnameUpdates(records, io_.next_id());
    if (auto* error = errorIn(built)) {
      return failAll(run, *error);
    }
    const PktPtr& message = std::get<PktPtr>(built);
    if (Result<Unit> signed_message = signUpdate(message.get(), key_);
        auto* error = errorIn(signed_message)) {
      return failAll(run, *error);
    }
    Result<Reply> exchanged = io_.send(message.get(), what);
    if (auto* error = errorIn(exchanged)) {
      return failAll(run, *error);
    }
    const Reply& reply = std::get<Reply>(exchanged);
    const auto rcode = static_cast<int>(ldns_pkt_get_rcode(reply.packet.get()));
    const int tsig_error = tsigError(reply.packet.get());
    if (tsig_error == 0 && failedPrerequisite(rcode)) {
      lost.insert(lost.end(), run.begin(), run.end());
      return;
    }
    if (tsig_error == 0 && refusedForOneRecord(rcode) && run.size() > 1) {
      const auto half = static_cast<std::ptrdiff_t>(run.size() / 2);
      sendRun({run.begin(), run.begin() + half}, lost);
      sendRun({run.begin() + half, run.end()}, lost);
      return;
    }
    for (std::size_t i : run) {
      std::optional<ProviderError> failure = classifyUpdateReply(
          updates_[i], server_label_, key_name_, rcode, tsig_error, reply.authenticated);
      if (failure) {
        results_[i] = std::move(*failure);
      } else {
        results_[i] = Written{};
      }
    }
  }

  void failAll(const std::vector<std::size_t>& run, const ProviderError& error) {
    for (std::size_t i : run) {
      results_[i] = error;
    }
  }

  // Re-reads LOST: a record that serves its new target was applied (by an earlier copy of the
  // UPDATE, or by someone else), one that no longer serves what was expected is a Conflict, one
  // whose read failed has that error. The rest still match: another record's prerequisite failed.
  std::vector<std::size_t> unresolvedAfterReread(const std::vector<std::size_t>& lost) {
    std::vector<std::string> names;
    names.reserve(lost.size());
    for (std::size_t i : lost) {
      names.push_back(updates_[i].name);
    }
    std::vector<Result<ServedRecord>> current = io_.read(names);
    std::vector<std::size_t> unresolved;
    for (std::size_t k = 0; k < lost.size(); ++k) {
      const std::size_t i = lost[k];
      if (k >= current.size()) {
        results_[i] = ProviderError{ErrorKind::Transient, "no re-read of " + names[k], {}};
        continue;
      }
      if (auto* error = errorIn(current[k])) {
        results_[i] = std::move(*error);
        continue;
      }
      const ServedRecord& served = std::get<ServedRecord>(current[k]);
      if (served.kind == ServedRecord::Kind::Cname && served.target == updates_[i].new_target) {
        results_[i] = Written{};
        continue;
      }
      Result<WriteNeed> need = compareBeforeWrite(served, asRequest(updates_[i]));
      if (auto* error = errorIn(need)) {
        error->message = "compare-and-swap lost: " + error->message;
        results_[i] = std::move(*error);
        continue;
      }
      unresolved.push_back(i);
    }
    return unresolved;
  }

  static ReplaceRequest asRequest(const CnameUpdate& update) {
    ReplaceRequest request;
    request.record = {update.zone, update.name};
    request.new_target = update.new_target;
    request.ttl = update.ttl;
    if (update.prerequisite == Prerequisite::ExactValue) {
      request.expected_target = update.expected_target;
    }
    return request;
  }

  const TsigKey& key_;
  std::string key_name_;
  std::string server_label_;
  const UpdateBatchIo& io_;
  UpdateBatchLimits limits_;
  std::vector<CnameUpdate> updates_;
  std::vector<std::optional<Result<Written>>> results_;
};

}  // namespace

Result<std::vector<std::vector<std::size_t>>> packUpdates(const std::vector<CnameUpdate>& updates,
                                                          const TsigKey& key,
                                                          std::size_t max_bytes) {
  std::vector<std::size_t> all(updates.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    all[i] = i;
  }
  return packMembers(updates, all, key, max_bytes);
}

std::vector<Result<Written>> sendCnameUpdateBatch(const std::vector<ReplaceRequest>& changes,
                                                  const TsigKey& key,
                                                  const std::string& server_label,
                                                  const UpdateBatchIo& io,
                                                  UpdateBatchLimits limits) {
  return Batch(changes, key, server_label, io, limits).run();
}

}  // namespace planb::providers
