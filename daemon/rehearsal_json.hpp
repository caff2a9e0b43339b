#pragma once
// Rehearsals as JSON (product.md §11): the status document's `rehearsals` (every pair of the
// configuration, rehearsed or not) and the answer of POST /v1/rehearse (the pairs it ran).

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "core/rehearsal_record.hpp"

namespace planb::daemon {

// One pair: zone, provider, passed, started, ended, failed_step, error, visible_after_ms,
// last_success (times in Unix seconds; null when there is none). RECORD null: never rehearsed.
nlohmann::ordered_json rehearsalJson(const core::RehearsalKey& key,
                                     const core::RehearsalRecord* record);

// Every (zone, provider) pair of CONFIG, in its order, with its last rehearsal.
nlohmann::ordered_json rehearsalsJson(const config::Config& config,
                                      const core::RehearsalRecords& records);

}  // namespace planb::daemon
