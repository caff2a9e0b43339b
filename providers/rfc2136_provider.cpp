#include "providers/rfc2136_provider.hpp"

#include <stdexcept>

#include "providers/ceiling_message.hpp"
#include "providers/cname_update_batch.hpp"
#include "providers/dns_query.hpp"
#include "providers/dns_update.hpp"
#include "providers/ldns_util.hpp"
#include "providers/txt_update.hpp"

namespace planb::providers {

Rfc2136Provider::Rfc2136Provider(std::string name, const Rfc2136Settings& settings,
                                 std::chrono::milliseconds timeout,
                                 std::shared_ptr<RequestCeiling> ceiling)
    : Rfc2136Provider(std::move(name), settings.server, loadTsigKey(settings.tsig_key_file),
                      timeout, std::move(ceiling)) {
  key_file_ = std::make_unique<net::WatchedSecretFile>(settings.tsig_key_file, "TSIG key file");
  key_text_ = key_file_->current();
}

Rfc2136Provider::Rfc2136Provider(std::string name, net::HostPort server, TsigKey key,
                                 std::chrono::milliseconds timeout,
                                 std::shared_ptr<RequestCeiling> ceiling)
    : name_(std::move(name)),
      server_(std::move(server)),
      key_(std::move(key)),
      timeout_(timeout),
      ceiling_(ceiling ? std::move(ceiling) : systemCeiling(kRfc2136Ceiling, timeout)) {
  if (!isIpAddress(server_.host)) {
    throw std::invalid_argument("provider \"" + name_ + "\": server \"" + server_.host +
                                "\" is not an IPv4 or IPv6 address");
  }
}

std::optional<ProviderError> Rfc2136Provider::drawToken(const std::string& what) {
  if (auto wait = ceiling_->acquire()) {
    return ceilingRefusal(*ceiling_, *wait, what);
  }
  return std::nullopt;
}

Result<ServedRecord> Rfc2136Provider::read(const RecordRef& record) {
  if (auto refused = drawToken("the query for " + record.name)) {
    return std::move(*refused);
  }
  return queryCname(server_, record.name, timeout_);
}

Result<Unit> Rfc2136Provider::replace(const ReplaceRequest& request) {
  const CnameUpdate update = cnameUpdateFor(request);
  // The ID is part of what is signed: it is chosen before signing (pitfall 2).
  Result<PktPtr> built = buildCnameUpdate(update, ldns_get_random());
  if (auto* error = errorIn(built)) {
    return std::move(*error);
  }
  PktPtr message = std::move(std::get<PktPtr>(built));
  const TsigKey& key = currentKey();
  if (Result<Unit> signed_message = signUpdate(message.get(), key);
      std::holds_alternative<ProviderError>(signed_message)) {
    return signed_message;
  }
  if (auto refused = drawToken("the UPDATE of " + update.name)) {
    return std::move(*refused);
  }
  Result<Reply> exchanged =
      exchange(server_, timeout_, message.get(), &key, "the UPDATE of " + update.name);
  if (auto* error = errorIn(exchanged)) {
    return std::move(*error);
  }
  const Reply& reply = std::get<Reply>(exchanged);
  std::optional<ProviderError> failure =
      classifyUpdateReply(update, server_.str(), displayName(key),
                          static_cast<int>(ldns_pkt_get_rcode(reply.packet.get())),
                          tsigError(reply.packet.get()), reply.authenticated);
  if (!failure) {
    return Unit{};
  }
  if (failure->kind == ErrorKind::Conflict && !drawToken("the re-read of " + update.name)) {
    Result<ServedRecord> current = queryCname(server_, update.name, timeout_);
    if (const auto* served = std::get_if<ServedRecord>(&current)) {
      switch (served->kind) {
        case ServedRecord::Kind::Cname:
          if (served->target == update.new_target) {
            return Unit{};  // already applied, by an earlier copy of this UPDATE or by another
          }
          failure->message += " (it now points to " + served->target + ")";
          break;
        case ServedRecord::Kind::Absent:
          failure->message += " (it now has no CNAME)";
          break;
        case ServedRecord::Kind::Conflict:
          failure->message += " (it now holds " + served->conflict_type + ")";
          break;
      }
    }
  }
  return std::move(*failure);
}

std::vector<Result<Written>> Rfc2136Provider::replaceBatch(
    const std::vector<ReplaceRequest>& changes) {
  UpdateBatchIo io;
  const TsigKey& key = currentKey();
  io.send = [this, &key](const ldns_pkt* message, const std::string& what) -> Result<Reply> {
    if (auto refused = drawToken(what)) {
      return std::move(*refused);
    }
    return exchange(server_, timeout_, message, &key, what);
  };
  const std::string zone = changes.empty() ? std::string() : changes.front().record.zone;
  io.read = [this, &zone](const std::vector<std::string>& names) { return readBatch(zone, names); };
  io.next_id = [] { return ldns_get_random(); };
  return sendCnameUpdateBatch(changes, key, server_.str(), io);
}

Result<std::vector<std::string>> Rfc2136Provider::readTxt(const RecordRef& record) {
  if (auto refused = drawToken("the TXT query for " + record.name)) {
    return std::move(*refused);
  }
  return queryTxt(server_, record.name, timeout_);
}

Result<Written> Rfc2136Provider::writeTxt(const TxtWrite& write) {
  if (std::optional<ProviderError> error = txtValueError(write.value)) {
    return std::move(*error);
  }
  return sendTxtUpdate(txtUpdateFor(write));
}

Result<Written> Rfc2136Provider::deleteTxt(const RecordRef& record) {
  return sendTxtUpdate(txtDeleteFor(record));
}

Result<Written> Rfc2136Provider::sendTxtUpdate(const TxtUpdate& update) {
  // The ID is part of what is signed: it is chosen before signing (pitfall 2).
  Result<PktPtr> built = buildTxtUpdate(update, ldns_get_random());
  if (auto* error = errorIn(built)) {
    return std::move(*error);
  }
  PktPtr message = std::move(std::get<PktPtr>(built));
  const TsigKey& key = currentKey();
  if (Result<Unit> signed_message = signUpdate(message.get(), key);
      std::holds_alternative<ProviderError>(signed_message)) {
    return std::move(std::get<ProviderError>(signed_message));
  }
  const std::string what = "the UPDATE of " + update.name;
  if (auto refused = drawToken(what)) {
    return std::move(*refused);
  }
  Result<Reply> exchanged = exchange(server_, timeout_, message.get(), &key, what);
  if (auto* error = errorIn(exchanged)) {
    return std::move(*error);
  }
  const Reply& reply = std::get<Reply>(exchanged);
  if (std::optional<ProviderError> failure =
          classifyTxtUpdateReply(update, server_.str(), displayName(key),
                                 static_cast<int>(ldns_pkt_get_rcode(reply.packet.get())),
                                 tsigError(reply.packet.get()), reply.authenticated)) {
    return std::move(*failure);
  }
  return Written{};
}

Result<std::vector<std::string>> Rfc2136Provider::nameServers(const std::string& zone) {
  if (auto refused = drawToken("the NS query for " + zone)) {
    return std::move(*refused);
  }
  return queryNameServers(server_, zone, timeout_);
}

const TsigKey& Rfc2136Provider::currentKey() {
  if (!key_file_) {
    return key_;
  }
  net::Secret text = key_file_->current();
  if (text.reveal() != key_text_.reveal()) {
    try {
      key_ = onlyTsigKey(parseTsigKeys(text.reveal(), key_file_->path()), key_file_->path());
      key_text_ = std::move(text);
    } catch (const TsigKeyError&) {
      // A file being rewritten, or one that no longer holds one key: the last good key signs,
      // and a server that refuses it says so as an Auth error.
    }
  }
  return key_;
}

}  // namespace planb::providers
