#include "rehearser.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cstdio>

#include "core/dns_name.hpp"
#include "core/duration.hpp"
#include "core/rehearsal_step.hpp"

namespace planb::daemon {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using core::RehearsalStep;
using providers::ProviderError;

namespace {

constexpr std::uint32_t kTtl = 60;  // raised by the provider to its minimum where it has one
constexpr auto kMaxJitter = std::chrono::minutes(5);

std::string describe(const ProviderError& error) {
  return std::string(providers::nameOf(error.kind)) + ": " + error.message;
}

const std::string kDropped = "not run: the provider left the configuration or planbd is stopping";

std::chrono::milliseconds millisBetween(core::Instant from, core::Instant to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from);
}

}  // namespace

// One provider in one round.
struct Rehearser::Attempt {
  bool write_tried = false;
  bool written = false;      // the provider accepted the write
  bool write_ended = false;  // written and applied, or failed: the visibility check may start
  std::string change;        // the provider's change id, while it propagates
  bool polling = false;
  core::Instant next_poll{};
  core::Instant accepted{};
  std::optional<RehearsalStep> failed;
  std::string error;
  std::optional<std::chrono::milliseconds> visible_after;
  bool cleaned = false;  // the clean-up ended (well or not)

  void fail(RehearsalStep step, std::string why) {
    if (!failed) {
      failed = step;
      error = std::move(why);
    } else {
      error += "; " + why;
    }
  }
};

struct Rehearser::Round {
  std::string zone;
  std::string name;   // _planb-rehearsal.<zone>
  std::string value;  // "planb-rehearsal <token>"
  std::vector<config::HostPort> servers;
  core::Instant started{};
  core::WallTime started_wall{};
  core::Instant deadline{};  // the whole rehearsal is bounded by [rehearsal] timeout
  std::map<std::string, Attempt> attempts;
  std::shared_ptr<Gather> gather;
  bool checking = false;
  bool cleaning = false;
};

// The answer of one runNow(): every zone it asked for has finished.
struct Rehearser::Gather {
  std::size_t remaining = 0;
  std::set<core::RehearsalKey> wanted;  // the pairs asked for
  RehearsalResults results;
  Done done;

  void zoneEnded() {
    if (--remaining == 0) {
      std::sort(results.begin(), results.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      done(std::move(results));
    }
  }
};

Rehearser::Rehearser(asio::io_context& io, Log& log, const core::Clock& clock, core::Random& random,
                     Reconciler& reconciler, VisibilityCheck check)
    : io_(io),
      log_(log),
      clock_(clock),
      random_(random),
      reconciler_(reconciler),
      check_(std::move(check)) {}

Rehearser::~Rehearser() {
  shutdown();
}

void Rehearser::shutdown() {
  *stop_ = true;
  checks_.join();
}

std::string Rehearser::recordName(const std::string& zone) {
  return "_planb-rehearsal." + zone;
}

std::string Rehearser::token() {
  std::string text;
  for (int i = 0; i < 4; ++i) {
    char part[5];
    std::snprintf(part, sizeof part, "%04x",
                  static_cast<unsigned>(random_.uniform() * 65536.0) & 0xffffU);
    text += part;
  }
  return text;
}

core::Instant Rehearser::nextDue(core::Instant from) {
  auto jitter = std::min<std::chrono::milliseconds>(interval_ / 10, kMaxJitter);
  return from + interval_ +
         std::chrono::milliseconds(
             static_cast<std::int64_t>(random_.uniform() * static_cast<double>(jitter.count())));
}

void Rehearser::configure(const config::Config& config) {
  interval_ = config.rehearsal.interval;
  timeout_ = config.rehearsal.timeout;
  std::map<std::string, ZoneState> zones;
  for (const config::ZoneConfig& zone : config.zones) {
    auto old = zones_.find(zone.name);
    ZoneState state;
    if (old != zones_.end()) {
      state = std::move(old->second);
      zones_.erase(old);
    } else {
      // Soon after start, but not in its first busy seconds; never later than an interval
      // shorter than that (plus as much jitter), so a short interval proves the path soon too.
      std::chrono::milliseconds base = kFirstAfter;
      if (interval_ > std::chrono::milliseconds::zero()) {
        base = std::min(base, interval_);
      }
      auto first =
          std::chrono::duration_cast<std::chrono::milliseconds>(base + random_.uniform() * base);
      state.next_due = clock_.now() + first;
    }
    state.providers = zone.providers;
    state.verify_servers = zone.verify_servers;
    zones.emplace(zone.name, std::move(state));
  }
  // A zone that left: its running rehearsal ends on its own; what waited for one is answered.
  for (auto& [name, gone] : zones_) {
    for (Request& request : gone.queued) {
      if (request.gather) {
        request.gather->zoneEnded();
      }
    }
  }
  zones_ = std::move(zones);
  auto configured = [this](const core::RehearsalKey& key) {
    auto zone = zones_.find(key.first);
    return zone != zones_.end() &&
           std::find(zone->second.providers.begin(), zone->second.providers.end(), key.second) !=
               zone->second.providers.end();
  };
  std::erase_if(records_, [&](const auto& entry) { return !configured(entry.first); });
  std::erase_if(cleaned_, [&](const auto& key) { return !configured(key); });
}

void Rehearser::setWriter(bool writer) {
  if (writer == writer_) {
    return;
  }
  writer_ = writer;
  if (!writer) {
    cleaned_.clear();  // the leader meanwhile may die mid-rehearsal: look again when leading
  }
}

std::optional<std::string> Rehearser::runNow(const std::optional<std::string>& zone,
                                             const std::optional<std::string>& provider,
                                             Done done) {
  if (!writer_) {
    return std::string(
        "only the fleet's leader rehearses and this node follows: run it on the leader");
  }
  std::optional<std::string> wanted_zone;
  if (zone) {
    wanted_zone = core::canonicalName(*zone);
    if (!zones_.contains(*wanted_zone)) {
      return "no zone \"" + *zone + "\" in the configuration";
    }
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> runs;
  bool provider_known = false;
  for (const auto& [name, state] : zones_) {
    bool has = provider && std::find(state.providers.begin(), state.providers.end(), *provider) !=
                               state.providers.end();
    provider_known = provider_known || has;
    if (wanted_zone && name != *wanted_zone) {
      continue;
    }
    if (provider && !has) {
      continue;
    }
    // Every provider of the zone writes the token even when one is asked for: each verify server
    // must answer it, and a server serves what its own provider holds.
    runs.emplace_back(name, state.providers);
  }
  if (provider && !provider_known) {
    return "no zone is served by a provider \"" + *provider + "\"";
  }
  if (provider && runs.empty()) {
    return "provider \"" + *provider + "\" does not serve zone " + *wanted_zone;
  }
  if (runs.empty()) {
    return std::string("no zone to rehearse in the configuration");
  }
  auto gather = std::make_shared<Gather>();
  gather->remaining = runs.size();
  gather->done = std::move(done);
  for (const auto& [name, providers] : runs) {
    for (const std::string& p : providers) {
      if (!provider || p == *provider) {
        gather->wanted.insert({name, p});
      }
    }
  }
  for (auto& [name, providers] : runs) {
    zones_.at(name).queued.push_back({std::move(providers), gather});
  }
  step();
  return std::nullopt;
}

void Rehearser::step() {
  const core::Instant now = clock_.now();
  for (auto& entry : zones_) {
    const std::string& name = entry.first;
    ZoneState& zone = entry.second;
    // Left-overs of a planbd killed mid-rehearsal, once per start (or leadership) and pair.
    if (writer_ && interval_.count() > 0) {
      for (const std::string& provider : zone.providers) {
        core::RehearsalKey key{name, provider};
        if (cleaned_.contains(key) || cleaning_.contains(key)) {
          continue;
        }
        if (zone.round) {
          cleaned_.insert(key);  // the running rehearsal deletes the record when it ends
        } else {
          cleanUpLeftovers(name, provider);
        }
      }
    }
    if (std::shared_ptr<Round> round = zone.round) {
      if (round->checking || round->cleaning) {
        continue;
      }
      for (auto& [provider, attempt] : round->attempts) {
        if (!attempt.written || attempt.write_ended || attempt.polling) {
          continue;
        }
        if (now >= round->deadline) {
          attempt.fail(RehearsalStep::Visible,
                       "change " + attempt.change + " still propagating after " +
                           core::formatDuration(timeout_) + " (the provider's own status)");
          attempt.write_ended = true;
        } else if (now >= attempt.next_poll) {
          poll(round, provider);
        }
      }
      writeEnded(round);
      continue;
    }
    bool cleaning = std::any_of(zone.providers.begin(), zone.providers.end(), [&](const auto& p) {
      return cleaning_.contains({name, p});
    });
    if (cleaning) {
      continue;
    }
    if (!zone.queued.empty()) {
      Request request = std::move(zone.queued.front());
      zone.queued.pop_front();
      start(name, std::move(request));
    } else if (writer_ && interval_.count() > 0 && now >= zone.next_due &&
               !zone.providers.empty()) {
      start(name, {zone.providers, nullptr});
    }
  }
}

void Rehearser::cleanUpLeftovers(const std::string& zone, const std::string& provider) {
  core::RehearsalKey key{zone, provider};
  cleaning_.insert(key);
  struct Found {
    std::optional<ProviderError> error;
    bool deleted = false;
  };
  auto found = std::make_shared<Found>();
  providers::RecordRef record{zone, recordName(zone)};
  reconciler_.runOnProvider(
      provider, {[found, record](providers::DnsProvider& dns) {
                   auto values = dns.readTxt(record);
                   if (auto* error = providers::errorIn(values)) {
                     found->error = *error;
                     return;
                   }
                   auto& list = std::get<std::vector<std::string>>(values);
                   bool ours = std::any_of(list.begin(), list.end(), [](const std::string& v) {
                     return v.rfind(kValuePrefix, 0) == 0;
                   });
                   if (!ours) {
                     return;
                   }
                   auto deleted = dns.deleteTxt(record);
                   if (auto* error = providers::errorIn(deleted)) {
                     found->error = *error;
                     return;
                   }
                   found->deleted = true;
                 },
                 [this, key, found, record](bool ran) {
                   cleaning_.erase(key);
                   cleaned_.insert(key);  // once: the next rehearsal deletes the record anyway
                   if (!ran) {
                     return;
                   }
                   if (found->error) {
                     log_.warn("rehearsal " + key.first + " on " + key.second +
                               ": could not look for a left-over " + record.name + ": " +
                               describe(*found->error));
                   } else if (found->deleted) {
                     log_.info("rehearsal " + key.first + " on " + key.second + ": deleted " +
                               record.name + ", left behind by a rehearsal that did not end");
                   }
                   step();
                 }});
}

void Rehearser::start(const std::string& zone, Request request) {
  ZoneState& state = zones_.at(zone);
  auto round = std::make_shared<Round>();
  round->zone = zone;
  round->name = recordName(zone);
  round->value = std::string(kValuePrefix) + token();
  round->servers = state.verify_servers;
  round->started = clock_.now();
  round->started_wall = clock_.wallNow();
  round->deadline = round->started + timeout_;
  round->gather = std::move(request.gather);
  for (const std::string& provider : request.providers) {
    round->attempts[provider];
  }
  state.round = round;
  log_.debug("rehearsal " + zone + ": writing " + round->name + " TXT \"" + round->value +
             "\" on " + std::to_string(round->attempts.size()) + " provider(s)");
  for (const auto& [provider, attempt] : round->attempts) {
    read(round, provider);
  }
}

void Rehearser::read(const std::shared_ptr<Round>& round, const std::string& provider) {
  auto out = std::make_shared<std::optional<providers::Result<std::vector<std::string>>>>();
  providers::RecordRef record{round->zone, round->name};
  reconciler_.runOnProvider(
      provider, {[out, record](providers::DnsProvider& dns) { *out = dns.readTxt(record); },
                 [this, round, provider, out](bool ran) {
                   Attempt& attempt = round->attempts.at(provider);
                   if (!ran || !*out) {
                     attempt.fail(RehearsalStep::Read, kDropped);
                   } else if (auto* error = providers::errorIn(**out)) {
                     attempt.fail(RehearsalStep::Read, describe(*error));
                   } else {
                     write(round, provider);
                     return;
                   }
                   attempt.write_ended = true;
                   writeEnded(round);
                 }});
}

void Rehearser::write(const std::shared_ptr<Round>& round, const std::string& provider) {
  round->attempts.at(provider).write_tried = true;
  auto out = std::make_shared<std::optional<providers::Result<providers::Written>>>();
  providers::TxtWrite txt{{round->zone, round->name}, round->value, kTtl};
  reconciler_.runOnProvider(provider,
                            {[out, txt](providers::DnsProvider& dns) { *out = dns.writeTxt(txt); },
                             [this, round, provider, out](bool ran) {
                               Attempt& attempt = round->attempts.at(provider);
                               if (!ran || !*out) {
                                 attempt.fail(RehearsalStep::Write, kDropped);
                                 attempt.write_ended = true;
                               } else if (auto* error = providers::errorIn(**out)) {
                                 attempt.fail(RehearsalStep::Write, describe(*error));
                                 attempt.write_ended = true;
                               } else {
                                 const auto& written = std::get<providers::Written>(**out);
                                 attempt.written = true;
                                 attempt.accepted = clock_.now();
                                 attempt.change = written.propagating_change;
                                 // Route 53 answers PENDING: its own name servers serve it once it
                                 // says INSYNC.
                                 attempt.write_ended = attempt.change.empty();
                                 attempt.next_poll = attempt.accepted + kPropagationPoll;
                               }
                               writeEnded(round);
                             }});
}

void Rehearser::poll(const std::shared_ptr<Round>& round, const std::string& provider) {
  Attempt& attempt = round->attempts.at(provider);
  attempt.polling = true;
  auto out = std::make_shared<std::optional<providers::Result<providers::Propagation>>>();
  reconciler_.runOnProvider(
      provider,
      {[out, change = attempt.change](providers::DnsProvider& dns) {
         *out = dns.pollChange(change);
       },
       [this, round, provider, out](bool ran) {
         Attempt& attempt = round->attempts.at(provider);
         attempt.polling = false;
         attempt.next_poll = clock_.now() + kPropagationPoll;
         if (!ran || !*out) {
           attempt.fail(RehearsalStep::Visible, kDropped);
           attempt.write_ended = true;
         } else if (auto* error = providers::errorIn(**out)) {
           // The write was accepted: a failed poll is asked again, until the timeout.
           log_.debug("rehearsal " + round->zone + " on " + provider + ": could not poll change " +
                      attempt.change + ": " + describe(*error));
         } else if (std::get<providers::Propagation>(**out) == providers::Propagation::Applied) {
           attempt.write_ended = true;
         }
         writeEnded(round);
       }});
}

void Rehearser::writeEnded(const std::shared_ptr<Round>& round) {
  if (round->checking || round->cleaning) {
    return;
  }
  bool any_written = false;
  for (const auto& [provider, attempt] : round->attempts) {
    if (!attempt.write_ended) {
      return;
    }
    any_written = any_written || (attempt.written && !attempt.failed);
  }
  if (any_written) {
    checkVisible(round);
  } else {
    cleanUp(round);
  }
}

void Rehearser::checkVisible(const std::shared_ptr<Round>& round) {
  round->checking = true;
  auto left = std::max(std::chrono::milliseconds(0), millisBetween(clock_.now(), round->deadline));
  asio::post(checks_, [this, round, left, stop = stop_] {
    std::vector<std::string> missing =
        check_(round->servers, round->name, round->value, left, *stop);
    if (*stop) {
      return;
    }
    asio::post(io_, [this, round, missing = std::move(missing), stop] {
      if (!*stop) {
        onVisible(round, missing);
      }
    });
  });
}

void Rehearser::onVisible(const std::shared_ptr<Round>& round,
                          const std::vector<std::string>& missing) {
  const core::Instant now = clock_.now();
  std::string servers;
  for (const std::string& server : missing) {
    servers += (servers.empty() ? "" : ", ") + server;
  }
  // Every provider wrote the same token: a server that never shows it is charged to those whose
  // write failed, when any did (the server is theirs, most likely), else to every provider.
  bool any_failed = std::any_of(round->attempts.begin(), round->attempts.end(),
                                [](const auto& a) { return a.second.failed.has_value(); });
  for (auto& [provider, attempt] : round->attempts) {
    if (!missing.empty() && (any_failed ? attempt.failed.has_value() : true)) {
      attempt.fail(RehearsalStep::Visible,
                   "not answered by " + servers + " within " + core::formatDuration(timeout_));
    } else if (attempt.written && !attempt.failed) {
      attempt.visible_after = millisBetween(attempt.accepted, now);
    }
  }
  cleanUp(round);
}

void Rehearser::cleanUp(const std::shared_ptr<Round>& round) {
  round->checking = false;
  round->cleaning = true;
  std::size_t tried = 0;
  for (auto& entry : round->attempts) {
    const std::string provider = entry.first;
    Attempt& attempt = entry.second;
    if (!attempt.write_tried) {
      attempt.cleaned = true;
      continue;
    }
    ++tried;
    auto out = std::make_shared<std::optional<providers::Result<providers::Written>>>();
    providers::RecordRef record{round->zone, round->name};
    reconciler_.runOnProvider(
        provider, {[out, record](providers::DnsProvider& dns) { *out = dns.deleteTxt(record); },
                   [this, round, provider, out](bool ran) {
                     Attempt& attempt = round->attempts.at(provider);
                     attempt.cleaned = true;
                     if (!ran || !*out) {
                       attempt.fail(RehearsalStep::Cleanup, "clean-up " + kDropped);
                     } else if (auto* error = providers::errorIn(**out)) {
                       attempt.fail(RehearsalStep::Cleanup, "clean-up failed: " + describe(*error));
                     }
                     bool all = std::all_of(round->attempts.begin(), round->attempts.end(),
                                            [](const auto& a) { return a.second.cleaned; });
                     if (all) {
                       finish(round);
                     }
                   }});
  }
  if (tried == 0) {
    finish(round);
  }
}

void Rehearser::finish(const std::shared_ptr<Round>& round) {
  const core::WallTime ended = clock_.wallNow();
  auto zone = zones_.find(round->zone);
  for (auto& [provider, attempt] : round->attempts) {
    core::RehearsalKey key{round->zone, provider};
    core::RehearsalRecord record;
    record.passed = !attempt.failed;
    record.started = round->started_wall;
    record.ended = ended;
    record.failed_step = attempt.failed;
    record.error = attempt.error;
    record.visible_after = attempt.visible_after;
    if (auto old = records_.find(key); old != records_.end()) {
      record.last_success = old->second.last_success;
    }
    if (record.passed) {
      record.last_success = ended;
      log_.info("rehearsal " + round->zone + " on " + provider + ": passed, visible after " +
                std::to_string(attempt.visible_after.value_or(0ms).count()) + " ms");
    } else {
      log_.warn("rehearsal " + round->zone + " on " + provider + ": FAILED at " +
                std::string(core::nameOf(*attempt.failed)) + ": " + attempt.error);
    }
    bool configured = zone != zones_.end() &&
                      std::find(zone->second.providers.begin(), zone->second.providers.end(),
                                provider) != zone->second.providers.end();
    if (configured) {
      records_[key] = record;
      if (sink_) {
        sink_(key, record);
      }
    }
    if (round->gather && round->gather->wanted.contains(key)) {
      round->gather->results.emplace_back(key, record);
    }
  }
  if (zone != zones_.end() && zone->second.round == round) {
    zone->second.round = nullptr;
    zone->second.next_due = nextDue(clock_.now());
  }
  if (round->gather) {
    round->gather->zoneEnded();
  }
  step();
}

}  // namespace planb::daemon
