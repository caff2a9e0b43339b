#pragma once
// The read-only status page of planbd (issue 7): GET / (HTML), /status.css, /status.js, and the
// JSON the page reads, GET /v1/status and GET /v1/history?limit=N, on metrics_listen or on
// status_listen. Every asset is embedded in the binary (daemon/status_page/, turned into C++ at
// build time); the page loads nothing from anywhere else.
//
// A request whose Host is not one the page answers to (statusHostAllowed) gets 421 Misdirected
// Request. Only GET routes exist: any other method on these paths answers 405 and changes nothing.
// Every answer carries Content-Security-Policy (default-src 'self', no inline script or style),
// Cache-Control: no-store and X-Content-Type-Options: nosniff.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/router.hpp"

namespace planb::http {

inline constexpr std::string_view kStatusPageCsp =
    "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// The page's timeline shows this many audit events; /v1/history on the page's listener answers at
// most this many (default this many).
inline constexpr std::size_t kStatusPageHistoryLimit = 50;

// How long one reading of the audit log is reused: the page of every viewer refreshes every few
// seconds, and the log is read from disk.
inline constexpr std::chrono::milliseconds kStatusPageHistoryReuse{1000};

struct StatusPageData {
  // The JSON text of GET /v1/status: the document `planbctl --json status` prints.
  std::function<std::string()> status;
  // The JSON text of the newest `limit` audit events, newest first.
  std::function<std::string(std::size_t limit)> history;
  // Host names the page answers to besides IP addresses and localhost ([daemon] status_hosts);
  // asked at each request, so a reload counts. Empty function: none.
  std::function<std::vector<std::string>()> hosts;
};

// Whether a request with Host header HOST may read the page: a browser sends the name it
// resolved, so a page answering to any name could be read by a site whose name an attacker
// rebinds to this address (DNS rebinding). Allowed: no Host, an IP address (as itself, in
// brackets for IPv6), localhost, and the names in EXTRA (case and a final dot ignored); the
// port is not looked at.
bool statusHostAllowed(std::string_view host, const std::vector<std::string>& extra);

// An embedded file of the page.
struct StatusPageAsset {
  std::string_view path;  // "/", "/status.css", "/status.js"
  std::string_view content_type;
  std::string_view body;
};

// Every file of the page, as embedded (their bodies together are the page's size).
const std::vector<StatusPageAsset>& statusPageAssets();

// Adds the page's routes to `router` and returns it.
Router withStatusPage(Router router, StatusPageData data);

}  // namespace planb::http
