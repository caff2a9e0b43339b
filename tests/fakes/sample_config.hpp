#pragma once
// A small configuration for unit tests: targets "a" (vendor "va") and "b" (vendor "vb") and
// record www.example.test. over them, in that order, in zone example.test.

#include "config/config.hpp"

namespace planb::testing {

inline config::Config twoTargetsOneRecord() {
  config::Config c;
  config::TargetConfig a;
  a.name = "a";
  a.vendor = "va";
  a.cname = "app.a.example.net.";
  config::TargetConfig b = a;
  b.name = "b";
  b.vendor = "vb";
  b.cname = "app.b.example.net.";
  c.targets = {a, b};
  config::RecordConfig r;
  r.name = "www.example.test.";
  r.zone = "example.test.";
  r.targets = {"a", "b"};
  c.records = {r};
  return c;
}

}  // namespace planb::testing
