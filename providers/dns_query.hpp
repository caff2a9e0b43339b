#pragma once
// What an authoritative server serves at a name, asked non-recursively (RD=0) over TCP. Used by
// Rfc2136Provider (read, readTxt, nameServers) and by the daemon's Verifier after a write.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "net/url.hpp"
#include "providers/dns_provider.hpp"

namespace planb::providers {

// Asks SERVER (an IP literal and port) for NAME's CNAME:
// - a CNAME at NAME: Cname, target canonical (lower case, trailing dot), the served TTL;
// - NXDOMAIN, or NODATA with no other type at NAME: Absent;
// - another type at NAME (found by an ANY query, answered in full over TCP by BIND, PowerDNS and
//   Knot): Conflict, `conflict_type` the lowest-numbered such type ("A", "TXT", ...).
// Errors: REFUSED -> Refused; SERVFAIL, network, timeout -> Transient; an answer without the AA
// flag (a referral, a cache) and other RCODEs -> Permanent.
Result<ServedRecord> queryCname(const net::HostPort& server, const std::string& name,
                                std::chrono::milliseconds timeout);

// How queryCname reads one reply in wire form from SERVER_LABEL to a query for NAME: the error
// its RCODE, flags or malformed wire make, else what its answer section serves at NAME. For
// tests and the fuzzer (tests/fuzz/dns_reply_fuzz.cpp).
Result<ServedRecord> readCnameReply(const std::uint8_t* wire, std::size_t size,
                                    const std::string& name, const std::string& server_label);

// Asks SERVER for NAME's TXT RRset: each record's text (its character-strings joined), in the
// order served; empty for NXDOMAIN or NODATA (another type at NAME is no TXT). Errors as
// queryCname's.
Result<std::vector<std::string>> queryTxt(const net::HostPort& server, const std::string& name,
                                          std::chrono::milliseconds timeout);

// Asks SERVER for ZONE's apex NS RRset: the name servers' host names, canonical, sorted, without
// repeats. An NXDOMAIN for the apex is Permanent (the server holds no such zone); errors
// otherwise as queryCname's.
Result<std::vector<std::string>> queryNameServers(const net::HostPort& server,
                                                  const std::string& zone,
                                                  std::chrono::milliseconds timeout);

// How queryTxt and queryNameServers read one reply in wire form: for tests and the fuzzer.
Result<std::vector<std::string>> readTxtReply(const std::uint8_t* wire, std::size_t size,
                                              const std::string& name,
                                              const std::string& server_label);
Result<std::vector<std::string>> readNameServersReply(const std::uint8_t* wire, std::size_t size,
                                                      const std::string& zone,
                                                      const std::string& server_label);

}  // namespace planb::providers
