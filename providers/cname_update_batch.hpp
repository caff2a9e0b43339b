#pragma once
// Many CNAME swaps of one zone in as few RFC 2136 UPDATE messages as fit: every record's
// compare-and-swap prerequisite and its delete+add in one signed message, split only where a
// message would exceed what DNS over TCP can carry. The server checks every prerequisite before
// it changes anything and applies all updates or none (RFC 2136 §3.2, §3.4), but when it refuses
// for a failed prerequisite it does not say which record failed: the refused records are re-read,
// the ones that no longer serve their expected target get Conflict alone, and one UPDATE with the
// rest is sent again, a bounded number of times. A refusal that one record alone can cause
// (REFUSED by the update-policy, NOTZONE, FORMERR) splits the message in halves until the
// record is found, so the others still go through. Internal to Rfc2136Provider and its tests.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "providers/dns_provider.hpp"
#include "providers/dns_update.hpp"
#include "providers/ldns_util.hpp"
#include "providers/tsig_key.hpp"

namespace planb::providers {

// DNS over TCP prefixes each message with a 16-bit length (RFC 1035 §4.2.2, RFC 7766 §8).
inline constexpr std::size_t kMaxTcpMessageBytes = 65535;

// How the batch reaches the server: the provider draws its ceiling's tokens inside these.
struct UpdateBatchIo {
  // Sends one signed UPDATE (WHAT names it in messages); the server's reply, or why none came.
  std::function<Result<Reply>(const ldns_pkt* message, const std::string& what)> send;
  // What the server serves at each name, in order: the re-read after a failed prerequisite.
  std::function<std::vector<Result<ServedRecord>>(const std::vector<std::string>& names)> read;
  // The ID of the next message (chosen before signing: it is part of the MAC).
  std::function<std::uint16_t()> next_id;
};

struct UpdateBatchLimits {
  std::size_t max_message_bytes = kMaxTcpMessageBytes;
  // Sends of the same records after failed prerequisites, the first included; the records whose
  // prerequisite still fails after the last one get Conflict.
  int max_rounds = 3;
};

// Consecutive runs of UPDATES (indices), each the largest that still fits in one message of at
// most MAX_BYTES once signed with KEY. Permanent error: a name that is not absolute, or one
// record that alone does not fit.
Result<std::vector<std::vector<std::size_t>>> packUpdates(const std::vector<CnameUpdate>& updates,
                                                          const TsigKey& key,
                                                          std::size_t max_bytes);

// Every change (one zone) through IO: one result per change, in order. SERVER_LABEL and KEY's
// display name go into messages, as classifyUpdateReply writes them.
std::vector<Result<Written>> sendCnameUpdateBatch(const std::vector<ReplaceRequest>& changes,
                                                  const TsigKey& key,
                                                  const std::string& server_label,
                                                  const UpdateBatchIo& io,
                                                  UpdateBatchLimits limits = {});

}  // namespace planb::providers
