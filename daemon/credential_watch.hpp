#pragma once
// Temporary credentials expire (an AWS credential_process' Expiration): their source renews them
// before they do, and when it does not, planbd says so while there is still time to act, not on
// the day a failover is refused with an auth error.

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "log.hpp"
#include "providers/dns_provider.hpp"
#include "reconcile_report.hpp"

namespace planb::daemon {

using ProviderMap = std::map<std::string, std::shared_ptr<providers::DnsProvider>>;

class CredentialWatch {
 public:
  // Looks this often; the expiry moves only when the source renews.
  static constexpr std::chrono::seconds kCheckEvery{10};
  // Warned once per expiry within this: AWS's tools renew 15 minutes before, so a credential this
  // close to its end was not renewed.
  static constexpr std::chrono::minutes kWarnWithin{10};

  CredentialWatch(Log& log, const core::Clock& clock) : log_(log), clock_(clock) {}

  // Reports each provider's expiry (metrics) and warns of one close to it; at most every
  // kCheckEvery.
  void check(const ProviderMap& providers, ReconcileReport* report);

  // When each provider's credentials expire, for those that tell (status).
  const std::map<std::string, core::WallTime>& expiries() const noexcept { return expiries_; }

 private:
  Log& log_;
  const core::Clock& clock_;
  core::Instant checked_{};
  bool checked_once_ = false;
  std::map<std::string, core::WallTime> expiries_;
  std::map<std::string, core::WallTime> warned_;  // the expiry already warned about
};

}  // namespace planb::daemon
