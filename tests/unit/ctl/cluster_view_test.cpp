#include "ctl/cluster_view.hpp"

#include <doctest/doctest.h>

#include <string>

namespace planb::ctl {
namespace {

using Json = nlohmann::ordered_json;

Json node(const std::string& name, bool self, bool leader, bool live, const std::string& a,
          const std::string& b) {
  return Json{{"node", name},
              {"live", live},
              {"guard_down", !live},
              {"leader", leader},
              {"self", self},
              {"targets", {{"vendor-a", a}, {"vendor-b", b}}},
              {"vendors", {{"amazon", a == "healthy" ? "up" : "down"}, {"google", "up"}}}};
}

// The document's shape as planbd's status_document.cpp writes it.
Json fleet() {
  return Json{{"node", "edge-1"},
              {"leader", "edge-2"},
              {"leading", false},
              {"etcd_up", true},
              {"etcd_error", ""},
              {"quorum", 2},
              {"quorum_setting", "majority"},
              {"min_nodes", 2},
              {"live_nodes", 3},
              {"automation", "ok"},
              {"leader_changes", 1},
              {"nodes",
               {node("edge-1", true, false, true, "unhealthy", "healthy"),
                node("edge-2", false, true, true, "unhealthy", "healthy"),
                node("edge-3", false, false, true, "healthy", "healthy")}}};
}

TEST_CASE("a healthy fleet: header, one row per node, and the dissenting view marked") {
  std::string out = renderCluster(fleet());
  CHECK(out ==
        "cluster: node edge-1, leader edge-2 (3 live of min 2, quorum 2 = majority), etcd up, "
        "1 leader change seen\n"
        "NODE    ROLE                  VIEW  TARGETS\n"
        "edge-1  follower (this node)  live  vendor-a ✗ unhealthy, vendor-b ✓ healthy\n"
        "edge-2  leader                live  vendor-a ✗ unhealthy, vendor-b ✓ healthy\n"
        "edge-3  follower              live  vendor-a ✓ healthy (DISSENTS), vendor-b ✓ healthy\n"
        "live views differ on target vendor-a: ✗ unhealthy on edge-1, edge-2; ✓ healthy on "
        "edge-3\n"
        "live views differ on vendor amazon: ✗ down on edge-1, edge-2; ✓ up on edge-3\n");
}

TEST_CASE("no leader, etcd down and automation held are spelled out") {
  Json c = fleet();
  c["leader"] = nullptr;
  c["etcd_up"] = false;
  c["etcd_error"] = "etcd-1.internal:2379: connection refused";
  c["live_nodes"] = 1;
  c["automation"] = "1 live view, min_nodes 2: no automatic change";
  c["nodes"][1]["leader"] = false;
  std::string out = renderCluster(c);
  CHECK(
      out.starts_with("cluster: node edge-1, NO LEADER (1 live of min 2, quorum 2 = majority), "
                      "etcd DOWN: etcd-1.internal:2379: connection refused, 1 leader change "
                      "seen\n"
                      "AUTOMATION HOLDS: 1 live view, min_nodes 2: no automatic change\n"));
  CHECK(out.find("leader  ") == std::string::npos);
}

TEST_CASE("an etcd error and a leader name print control bytes escaped, never raw") {
  Json c = fleet();
  c["etcd_up"] = false;
  c["etcd_error"] = std::string("HTTP 500: ok\r\x1b[2Jforged\0line", 28);
  c["leader"] = "edge-\x1b]0;owned\x07";
  std::string out = renderCluster(c);
  CHECK(out.find("etcd DOWN: HTTP 500: ok \\x1b[2Jforged\\x00line") != std::string::npos);
  CHECK(out.find("leader edge-\\x1b]0;owned\\x07") != std::string::npos);
  CHECK(out.find('\x1b') == std::string::npos);
  CHECK(out.find('\r') == std::string::npos);
  CHECK(out.find('\0') == std::string::npos);
}

TEST_CASE("this node leading, a guard that fired, and views that agree") {
  Json c = fleet();
  c["leader"] = "edge-1";
  c["leading"] = true;
  c["quorum_setting"] = "2";
  c["nodes"] = Json::array({node("edge-1", true, true, true, "healthy", "healthy"),
                            node("edge-2", false, false, false, "unhealthy", "unhealthy")});
  std::string out = renderCluster(c);
  CHECK(out.find("leader: this node (3 live of min 2, quorum 2), etcd up") != std::string::npos);
  CHECK(out.find("edge-1  leader (this node)  live         vendor-a ✓ healthy, vendor-b ✓ "
                 "healthy\n") != std::string::npos);
  CHECK(out.find("edge-2  follower            guard fired  vendor-a ✗ unhealthy") !=
        std::string::npos);
  // A view whose guard fired does not count: nothing differs and nothing dissents.
  CHECK(out.find("DISSENTS") == std::string::npos);
  CHECK(out.find("differ") == std::string::npos);
  CHECK(out.find("AUTOMATION") == std::string::npos);
}

TEST_CASE("a tie marks no node, unknown views are no dissent, and odd documents do not throw") {
  Json c = fleet();
  c["nodes"] = Json::array({node("edge-1", true, false, true, "unhealthy", "unknown"),
                            node("edge-2", false, true, true, "healthy", "healthy")});
  std::string out = renderCluster(c);
  CHECK(out.find("DISSENTS") == std::string::npos);
  CHECK(out.find("vendor-b ? unknown") != std::string::npos);
  CHECK(out.find("live views differ on target vendor-a:") != std::string::npos);
  CHECK(out.find("live views differ on target vendor-b") == std::string::npos);

  c["nodes"] = Json::array();
  CHECK(renderCluster(c).ends_with("No node has a view in etcd.\n"));
  CHECK_NOTHROW(renderCluster(Json::object()));
  CHECK_NOTHROW(renderCluster(Json{{"nodes", {{{"node", 3}, {"targets", {{"x", 1}}}}}}}));
}

}  // namespace
}  // namespace planb::ctl
