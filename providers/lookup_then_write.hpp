#pragma once
// The skeleton of the providers that write a record by its id (Cloudflare, Alibaba DNS): look
// the name up, compare what it serves with the request, and write only what must change. A write
// refused as a duplicate is looked up again, since a resent write that had got through is refused
// the same way.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "providers/compare_before_write.hpp"
#include "providers/dns_provider.hpp"

namespace planb::providers {

// One TXT record at a name, as a provider lists it (the rehearsal's write path, product.md §11).
struct ListedTxt {
  std::string id;
  std::string value;  // the text, unquoted
  std::uint32_t ttl = 0;
};

// What writeTxt does with the TXT records at the name so that exactly `value` is left: keep the
// one already holding it (whatever its TTL: the rehearsal's token is fresh each time, so only a
// resent write finds it), else rewrite the first in place, else create one; then delete the rest.
struct TxtWritePlan {
  enum class Step { Keep, Update, Create };
  Step step = Step::Create;
  std::size_t index = 0;             // of the record kept or updated
  std::vector<std::size_t> deletes;  // every other record
};

inline TxtWritePlan planTxtWrite(const std::vector<ListedTxt>& listed, const std::string& value) {
  TxtWritePlan plan;
  if (listed.empty()) {
    return plan;
  }
  plan.step = TxtWritePlan::Step::Update;
  for (std::size_t i = 0; i < listed.size(); ++i) {
    if (listed[i].value == value) {
      plan.step = TxtWritePlan::Step::Keep;
      plan.index = i;
      break;
    }
  }
  for (std::size_t i = 0; i < listed.size(); ++i) {
    if (i != plan.index) {
      plan.deletes.push_back(i);
    }
  }
  return plan;
}

// A TXT value one character-string can hold (RFC 1035 §3.3: at most 255 bytes).
inline constexpr std::size_t kMaxTxtValue = 255;

// Lookup: what one look-up of a name found, with at least `ServedRecord served`, and whatever
// the provider needs to write over it (record id, zone id, relative name).
template <typename Lookup>
class LookupThenWrite : public DnsProvider {
 public:
  Result<ServedRecord> read(const RecordRef& record) final {
    Result<Lookup> found = lookup(record);
    if (auto* e = errorIn(found)) {
      return std::move(*e);
    }
    return std::move(std::get<Lookup>(found).served);
  }

  Result<Unit> replace(const ReplaceRequest& request) final {
    Result<Lookup> found = lookup(request.record);
    if (auto* e = errorIn(found)) {
      return std::move(*e);
    }
    const Lookup& current = std::get<Lookup>(found);
    Result<WriteNeed> need = compareBeforeWrite(current.served, request);
    if (auto* e = errorIn(need)) {
      return std::move(*e);
    }
    if (std::get<WriteNeed>(need) == WriteNeed::AlreadyServed) {
      return Unit{};
    }
    return write(request, current);
  }

 protected:
  virtual Result<Lookup> lookup(const RecordRef& record) = 0;

  // Writes the request's CNAME over what `current` found, which is not yet what is wanted.
  virtual Result<Unit> write(const ReplaceRequest& request, const Lookup& current) = 0;

  // replaceBatch of a single change: what replace() does, with what became of the change.
  // `write_one(current)` writes it over what the look-up found, only when it must change.
  template <typename WriteOne>
  std::vector<Result<Written>> replaceOnly(const ReplaceRequest& change, WriteOne write_one) {
    Result<Lookup> found = lookup(change.record);
    if (auto* e = errorIn(found)) {
      return {std::move(*e)};
    }
    const Lookup& current = std::get<Lookup>(found);
    Result<WriteNeed> need = compareBeforeWrite(current.served, change);
    if (auto* e = errorIn(need)) {
      return {std::move(*e)};
    }
    if (std::get<WriteNeed>(need) == WriteNeed::AlreadyServed) {
      return {Written{}};
    }
    return {write_one(current)};
  }

  // "<type> provider "<name>": message".
  ProviderError error(ErrorKind kind, const std::string& message) const {
    return ProviderError{kind, std::string(type()) + " provider \"" + name() + "\": " + message,
                         std::nullopt};
  }

  // The error of a TXT value no character-string can hold; nullopt when it fits.
  std::optional<ProviderError> txtValueError(const std::string& value) const {
    if (value.size() > kMaxTxtValue) {
      return error(ErrorKind::Permanent, "TXT value of " + std::to_string(value.size()) +
                                             " bytes: one character-string holds at most 255");
    }
    return std::nullopt;
  }

  // After a write with TTL `ttl` refused as a duplicate (Alibaba DNS, DNSPod: a resent write that
  // had got through, https://github.com/TimothyYe/godns/issues/47, or another writer's): written
  // when the name now serves the wanted target with that TTL (the TTL is compared too, never
  // assumed), a Conflict otherwise.
  Result<Written> confirmDuplicate(const ReplaceRequest& request, std::uint32_t ttl,
                                   const std::string& refusal) {
    Result<Lookup> again = lookup(request.record);
    if (auto* e = errorIn(again)) {
      return std::move(*e);
    }
    const ServedRecord& served = std::get<Lookup>(again).served;
    if (served.kind == ServedRecord::Kind::Cname && served.target == request.new_target &&
        served.ttl == ttl) {
      Written w;
      w.raised_ttl = ttl > request.ttl ? ttl : 0;
      return w;
    }
    if (served.kind == ServedRecord::Kind::Cname && served.target == request.new_target) {
      return error(ErrorKind::Conflict, refusal + ": the name serves " + request.new_target +
                                            " with TTL " + std::to_string(served.ttl) + ", not " +
                                            std::to_string(ttl));
    }
    return error(ErrorKind::Conflict,
                 refusal + ", yet the name does not serve " + request.new_target);
  }

  // After a write refused as a duplicate (`refusal` says which write and how): a success when
  // the name now serves the wanted target (an earlier copy of this write got through), a
  // Conflict otherwise.
  Result<Unit> confirmWritten(const ReplaceRequest& request, const std::string& refusal) {
    Result<Lookup> again = lookup(request.record);
    if (auto* e = errorIn(again)) {
      return std::move(*e);
    }
    const ServedRecord& served = std::get<Lookup>(again).served;
    if (served.kind == ServedRecord::Kind::Cname && served.target == request.new_target) {
      return Unit{};
    }
    return error(ErrorKind::Conflict,
                 refusal + ", yet the name does not serve " + request.new_target);
  }
};

}  // namespace planb::providers
