#include "core/fleet_board.hpp"

#include <doctest/doctest.h>

using namespace planb::core;
using namespace std::chrono_literals;

namespace {

constexpr Health H = Health::Healthy;
constexpr Health U = Health::Unhealthy;

NodeView view(std::string node, Health a, Health b = Health::Healthy, bool guard_down = false) {
  return {std::move(node), guard_down, {{"vendor-a", a}, {"vendor-b", b}}, {{"a", a}, {"b", b}}};
}

FleetBoard board(std::uint32_t quorum = 0, std::uint32_t min_nodes = 2) {
  return FleetBoard({{"vendor-a", "a"}, {"vendor-b", "b"}}, quorum, min_nodes);
}

}  // namespace

TEST_CASE("one node of three seeing a target unhealthy does not make it unhealthy") {
  FleetBoard fleet = board();
  fleet.update({view("n1", U), view("n2", H), view("n3", H)}, Instant{});
  CHECK(fleet.verdict().quorum == 2);
  CHECK(fleet.verdict().targets.at("vendor-a") == H);
  CHECK(fleet.targetStates().at("vendor-a").health == H);
}

TEST_CASE("a majority of live nodes seeing a target unhealthy makes it unhealthy") {
  FleetBoard fleet = board();
  fleet.update({view("n1", U), view("n2", U), view("n3", H)}, Instant{});
  CHECK(fleet.targetStates().at("vendor-a").health == U);
  CHECK(fleet.targetStates().at("vendor-a").vendor == U);
  CHECK(fleet.holdReason().empty());
}

TEST_CASE("a split without a quorum either way is unknown, which is not unhealthy") {
  FleetBoard fleet = board();
  fleet.update({view("n1", U), view("n2", H), view("n3", Health::Unknown)}, Instant{});
  CHECK(fleet.verdict().targets.at("vendor-a") == Health::Unknown);
}

TEST_CASE("a node whose guard fired counts as no view") {
  FleetBoard fleet = board();
  fleet.update({view("n1", U, H, true), view("n2", U), view("n3", H)}, Instant{});
  CHECK(fleet.verdict().live == 2);
  CHECK(fleet.verdict().quorum == 2);
  CHECK(fleet.verdict().targets.at("vendor-a") == Health::Unknown);
}

TEST_CASE("fewer live views than min_nodes hold automation and say why") {
  FleetBoard fleet = board(0, 2);
  fleet.update({view("n1", U)}, Instant{});
  CHECK_FALSE(fleet.verdict().enough_nodes);
  CHECK(fleet.holdReason() == "1 live view in the fleet, min_nodes 2: no automatic change");
  fleet.update({}, Instant{});
  CHECK_FALSE(fleet.verdict().enough_nodes);
}

TEST_CASE("a fixed quorum counts hosts whatever the number of live views") {
  FleetBoard fleet = board(3, 1);
  fleet.update({view("n1", U), view("n2", U), view("n3", H), view("n4", H)}, Instant{});
  CHECK(fleet.verdict().quorum == 3);
  CHECK(fleet.verdict().targets.at("vendor-a") == Health::Unknown);
  fleet.update({view("n1", U), view("n2", U), view("n3", U), view("n4", H)}, Instant{});
  CHECK(fleet.verdict().targets.at("vendor-a") == U);
}

TEST_CASE("healthy since is when the fleet first agreed, kept while it stays healthy") {
  FleetBoard fleet = board();
  Instant t0{};
  fleet.update({view("n1", U), view("n2", U)}, t0);
  fleet.update({view("n1", H), view("n2", H)}, t0 + 5s);
  fleet.update({view("n1", H), view("n2", H)}, t0 + 9s);
  CHECK(fleet.targetStates().at("vendor-a").healthy_since == t0 + 5s);
  CHECK(fleet.targetStates().at("vendor-a").vendor_up_since == t0 + 5s);
}

TEST_CASE("a target no node reports on is unknown") {
  FleetBoard fleet = FleetBoard({{"vendor-c", "c"}}, 0, 1);
  fleet.update({view("n1", U)}, Instant{});
  CHECK(fleet.targetStates().at("vendor-c").health == Health::Unknown);
}
