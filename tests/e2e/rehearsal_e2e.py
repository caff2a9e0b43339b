"""End-to-end: rehearsals (product.md §11) against a real BIND9 and PowerDNS and the API fakes.

usage: rehearsal_e2e.py PLANBD SCENARIO   (SCENARIO: one of the functions named scenario_*)"""

import json
import os
import subprocess
import sys
import time

from world import B_TARGET, ZONE, World, require, run_scenario, wait_for

NAME = f"_planb-rehearsal.{ZONE}"
FAILOVER_BOUND = World.INTERVAL * World.FALL + 2.0


def txt(port):
    """The TXT values a server answers at the rehearsal's name, asked without recursion."""
    result = subprocess.run([require("dig"), "@127.0.0.1", "-p", str(port), "+norecurse",
                             "+short", "+time=1", "+tries=1", NAME, "TXT"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result
    return result.stdout.strip()


def rehearse(world, *args):
    return world.ctl("--json", "rehearse", *args)


def providers(world):
    return ["bind"] + (["pdns"] if world.pdns else []) + \
        (["cloudflare", "route53", "alidns"] if world.api else [])


def scenario_a_rehearsal_passes_on_every_provider_and_leaves_no_txt(world):
    world.wait_verdicts()
    result = rehearse(world)
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    answer = json.loads(result.stdout)
    assert answer["ok"] is True, answer
    assert sorted(r["provider"] for r in answer["rehearsals"]) == sorted(providers(world)), answer
    for r in answer["rehearsals"]:
        assert r["passed"] and r["visible_after_ms"] is not None, r
    assert txt(world.named.port) == "", "BIND still serves the rehearsal's TXT"
    assert txt(world.pdns.port) == "", "PowerDNS still serves the rehearsal's TXT"
    status = json.loads(world.ctl("--json", "status").stdout)
    assert all(r["passed"] for r in status["rehearsals"]), status["rehearsals"]
    code, metrics = world.http_get("/metrics")
    for p in providers(world):
        assert f'planb_rehearsal_success{{provider="{p}",zone="{ZONE}."}} 1' in metrics, metrics
    # The human form: one line per provider and zone.
    text = world.ctl("rehearse", "--provider", "bind")
    assert text.returncode == 0, text
    assert f"{ZONE}. on bind: read ok, written, visible after " in text.stdout, text.stdout
    assert "cleaned up" in text.stdout, text.stdout


def scenario_rehearse_refuses_an_unknown_zone_or_provider(world):
    world.wait_verdicts()
    result = world.ctl("rehearse", "--provider", "nope")
    assert result.returncode == 1, result
    assert 'no zone is served by a provider "nope"' in result.stderr, result.stderr
    result = world.ctl("rehearse", "--zone", "other.test")
    assert result.returncode == 1, result
    assert 'no zone "other.test" in the configuration' in result.stderr, result.stderr
    result = world.ctl("rehearse", "stray")
    assert result.returncode == 2, result
    history = json.loads(world.ctl("--json", "history").stdout)["entries"]
    assert any(e.get("action") == "rehearse" and e.get("result") == "refused" for e in history), \
        history


def scenario_a_token_left_by_a_killed_planbd_is_deleted_at_the_next_start(world):
    world.wait_verdicts()
    world.named.nsupdate(f'update add {NAME}. 60 TXT "planb-rehearsal 00112233aabbccdd"')
    assert "planb-rehearsal" in txt(world.named.port)
    world.planbd.kill9()
    world.planbd.start()
    wait_for("the left-over TXT deleted", lambda: txt(world.named.port) == "", 10)
    assert "left behind by a rehearsal that did not end" in world.planbd.log(), world.planbd.log()


def scenario_a_failover_during_rehearsals_is_not_delayed(world):
    world.wait_verdicts()
    planbctl = os.path.join(os.path.dirname(world.planbd.binary), "planbctl")
    runs = [subprocess.Popen([planbctl, "--socket", f"{world.dir}/admin.sock", "rehearse"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    killed = time.monotonic()
    world.stop_vendor("a")
    wait_for("BIND to answer vendor B", lambda: world.named.cname() == B_TARGET, FAILOVER_BOUND)
    took = time.monotonic() - killed
    assert took <= FAILOVER_BOUND, took
    for run in runs:
        run.wait(30)


def main():
    planbd, scenario = sys.argv[1], sys.argv[2]
    run = globals()[f"scenario_{scenario}"]
    world = World(planbd, with_pdns=True, with_api_fakes=scenario.startswith("a_rehearsal"),
                  rehearsal_interval="1h")
    run_scenario(scenario, run, world)


if __name__ == "__main__":
    main()
