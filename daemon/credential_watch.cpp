#include "credential_watch.hpp"

namespace planb::daemon {

void CredentialWatch::check(const ProviderMap& providers, ReconcileReport* report) {
  const core::Instant now = clock_.now();
  if (checked_once_ && now - checked_ < kCheckEvery) {
    return;
  }
  checked_once_ = true;
  checked_ = now;
  expiries_.clear();
  for (const auto& [name, provider] : providers) {
    std::optional<core::WallTime> at = provider->credentialsExpireAt();
    if (!at) {
      continue;
    }
    expiries_[name] = *at;
    if (report) {
      report->credentialsExpire(name, *at);
    }
    auto left = std::chrono::duration_cast<std::chrono::seconds>(*at - clock_.wallNow());
    auto warned = warned_.find(name);
    if (left < kWarnWithin && (warned == warned_.end() || warned->second != *at)) {
      warned_[name] = *at;
      log_.warn(
          "provider " + name + ": its temporary credentials " +
          (left.count() > 0 ? "expire in " + std::to_string(left.count()) + " s" : "have expired") +
          " and were not renewed: check their source (credential_process, or the agent "
          "that writes the credential files)");
    }
  }
  std::erase_if(warned_, [&](const auto& w) { return !providers.contains(w.first); });
}

}  // namespace planb::daemon
