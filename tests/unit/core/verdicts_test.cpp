#include "core/verdicts.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace planb::core;
using H = Health;

namespace {
Health target(HealthyWhen::Kind kind, std::vector<Health> probes, std::uint32_t count = 0) {
  return targetHealth(HealthyWhen{kind, count}, probes);
}
}  // namespace

TEST_CASE("healthy_when all needs every probe healthy and fails on any unhealthy one") {
  using K = HealthyWhen::Kind;
  CHECK(target(K::All, {H::Healthy, H::Healthy}) == H::Healthy);
  CHECK(target(K::All, {H::Healthy, H::Unhealthy}) == H::Unhealthy);
  CHECK(target(K::All, {H::Healthy, H::Unknown}) == H::Unknown);
}

TEST_CASE("healthy_when any needs one healthy probe and fails only when all are unhealthy") {
  using K = HealthyWhen::Kind;
  CHECK(target(K::Any, {H::Unhealthy, H::Healthy}) == H::Healthy);
  CHECK(target(K::Any, {H::Unhealthy, H::Unknown}) == H::Unknown);
  CHECK(target(K::Any, {H::Unhealthy, H::Unhealthy}) == H::Unhealthy);
}

TEST_CASE("healthy_when majority and a number count healthy probes") {
  using K = HealthyWhen::Kind;
  CHECK(target(K::Majority, {H::Healthy, H::Healthy, H::Unhealthy}) == H::Healthy);
  CHECK(target(K::Majority, {H::Healthy, H::Unhealthy, H::Unhealthy}) == H::Unhealthy);
  CHECK(target(K::Majority, {H::Healthy, H::Unhealthy}) == H::Unhealthy);
  CHECK(target(K::AtLeast, {H::Healthy, H::Unhealthy, H::Unknown}, 2) == H::Unknown);
  CHECK(target(K::AtLeast, {H::Healthy, H::Healthy, H::Unknown}, 2) == H::Healthy);
}

TEST_CASE("a target without probes has no verdict") {
  CHECK(target(HealthyWhen::Kind::Any, {}) == H::Unknown);
}

TEST_CASE("a vendor is down when a majority of its regions have all probes unhealthy") {
  VendorDownRule majority;
  std::vector<RegionProbe> one_region_down = {
      {"a", H::Unhealthy}, {"b", H::Healthy}, {"c", H::Healthy}};
  CHECK(vendorHealth(majority, one_region_down) == H::Healthy);
  std::vector<RegionProbe> two_down = {{"a", H::Unhealthy}, {"b", H::Unhealthy}, {"c", H::Healthy}};
  CHECK(vendorHealth(majority, two_down) == H::Unhealthy);
}

TEST_CASE("a region with one healthy probe is up") {
  std::vector<RegionProbe> probes = {{"a", H::Unhealthy}, {"a", H::Healthy}, {"b", H::Unhealthy}};
  CHECK(vendorHealth(VendorDownRule{}, probes) == H::Healthy);
}

TEST_CASE("the vendor verdict waits while unknown regions could tip it") {
  std::vector<RegionProbe> probes = {{"a", H::Unhealthy}, {"b", H::Unknown}, {"c", H::Healthy}};
  CHECK(vendorHealth(VendorDownRule{}, probes) == H::Unknown);
}

TEST_CASE("the number of regions that make a vendor down is configurable") {
  std::vector<RegionProbe> probes = {{"a", H::Unhealthy}, {"b", H::Healthy}, {"c", H::Healthy}};
  CHECK(vendorHealth(VendorDownRule{.kind = VendorDownRule::Kind::AtLeast, .regions = 1}, probes) ==
        H::Unhealthy);
}

TEST_CASE("with down_when all, a vendor is down only when every region is") {
  VendorDownRule all{.kind = VendorDownRule::Kind::All};
  std::vector<RegionProbe> two_of_three = {
      {"a", H::Unhealthy}, {"b", H::Unhealthy}, {"c", H::Healthy}};
  CHECK(vendorHealth(all, two_of_three) == H::Healthy);
  std::vector<RegionProbe> every = {{"a", H::Unhealthy}, {"b", H::Unhealthy}, {"c", H::Unhealthy}};
  CHECK(vendorHealth(all, every) == H::Unhealthy);
}

TEST_CASE("each region is up, down or undecided over its own probes") {
  std::vector<RegionProbe> probes = {{"a", H::Unhealthy},
                                     {"a", H::Healthy},
                                     {"b", H::Unhealthy},
                                     {"c", H::Unhealthy},
                                     {"c", H::Unknown}};
  auto regions = regionHealth(probes);
  CHECK(regions.at("a") == H::Healthy);
  CHECK(regions.at("b") == H::Unhealthy);
  CHECK(regions.at("c") == H::Unknown);
}
