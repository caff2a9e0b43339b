#pragma once
// Gathers what core::preflight judges, without blocking the event loop (product.md §11): per zone
// and provider one readBatch of every managed record and the provider's name servers, as a side
// job on that provider's worker (Reconciler::runOnProvider: a record change always goes first);
// each zone's delegation and planbd's own dependencies on a thread of its own. Answers on the
// event loop with the findings and the dependencies as JSON.

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "address_book.hpp"
#include "config/config.hpp"
#include "core/preflight.hpp"
#include "core/rehearsal_record.hpp"
#include "reconciler.hpp"

namespace planb::daemon {

class PreflightGatherer {
 public:
  // The last rehearsals (the rehearser's), read on the event loop.
  using Rehearsals = std::function<core::RehearsalRecords()>;
  // The delegation of a zone: its NS set from SERVERS, asked recursively or not (for tests; by
  // default lookupNameServers with a 3 s timeout).
  using LookupDelegation = std::function<net::Result<std::vector<std::string>>(
      const std::vector<net::HostPort>& servers, const std::string& zone, bool recursive)>;

  PreflightGatherer(boost::asio::io_context& io, Reconciler& reconciler,
                    std::shared_ptr<const AddressBook> addresses, Rehearsals rehearsals,
                    LookupDelegation lookup = nullptr);
  ~PreflightGatherer();
  PreflightGatherer(const PreflightGatherer&) = delete;
  PreflightGatherer& operator=(const PreflightGatherer&) = delete;

  // Gathers for CONFIG (the active one) and calls DONE on the event loop with
  // {"ok", "blockers", "warnings", "findings": [...], "dependencies": [...]}.
  void run(const config::Config& config, std::function<void(nlohmann::ordered_json)> done);

 private:
  struct Run;
  void finish(const std::shared_ptr<Run>& run);

  boost::asio::io_context& io_;
  Reconciler& reconciler_;
  std::shared_ptr<const AddressBook> addresses_;
  Rehearsals rehearsals_;
  LookupDelegation lookup_;
  boost::asio::thread_pool pool_{1};  // delegations and dependencies: blocking DNS queries
};

}  // namespace planb::daemon
