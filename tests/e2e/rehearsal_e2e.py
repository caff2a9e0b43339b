"""End-to-end: rehearsals (product.md §11) against a real BIND9 and PowerDNS and the API fakes.

usage: rehearsal_e2e.py PLANBD SCENARIO   (SCENARIO: one of the functions named scenario_*)"""

import json
import os
import re
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


def rehearsal_metric(metrics, provider):
    for line in metrics.splitlines():
        if line.startswith(f'planb_rehearsal_success{{provider="{provider}",zone="{ZONE}."}} '):
            return line.rsplit(" ", 1)[1]
    return None


def scenario_a_revoked_credential_fails_that_providers_rehearsal_and_no_other(world):
    """Cloudflare's token is revoked, BIND's TSIG key replaced: within one interval of the next
    scheduled rehearsal those two fail, and the other three still pass."""
    world.wait_verdicts()
    everyone = providers(world)

    def results():
        metrics = world.http_get("/metrics")[1]
        return {p: rehearsal_metric(metrics, p) for p in everyone}

    wait_for("the first scheduled rehearsal to pass everywhere",
             lambda: all(v == "1" for v in results().values()), 2 * REVOKED_INTERVAL + 15)
    world.api.cloudflare.control("POST", "/_fake/revoke")
    # planbd re-reads its key file when it changes; named keeps the key it loaded: BADSIG.
    key = open(world.named.key_file).read()
    with open(world.named.key_file + ".new", "w") as f:
        f.write(re.sub(r'secret "[^"]+"', 'secret "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk="', key))
    os.chmod(world.named.key_file + ".new", 0o600)
    os.rename(world.named.key_file + ".new", world.named.key_file)
    failed = {"cloudflare", "bind"}
    wait_for("the revoked providers' rehearsals to fail",
             lambda: all(results()[p] == "0" for p in failed), REVOKED_INTERVAL * 1.1 + 15)
    now = results()
    assert all(now[p] == "1" for p in everyone if p not in failed), now
    status = json.loads(world.ctl("--json", "status").stdout)
    by_provider = {r["provider"]: r for r in status["rehearsals"]}
    assert by_provider["cloudflare"]["failed_step"] in ("read", "write"), by_provider
    assert not by_provider["cloudflare"]["passed"] and not by_provider["bind"]["passed"]
    assert by_provider["pdns"]["passed"] and by_provider["route53"]["passed"], by_provider
    assert world.api.secrets["cf_token"] not in json.dumps(status)


REVOKED_INTERVAL = 8


def main():
    planbd, scenario = sys.argv[1], sys.argv[2]
    run = globals()[f"scenario_{scenario}"]
    revoked = scenario.startswith("a_revoked")
    world = World(planbd, with_pdns=True,
                  with_api_fakes=scenario.startswith("a_rehearsal") or revoked,
                  rehearsal_interval=f"{REVOKED_INTERVAL}s" if revoked else "1h")
    run_scenario(scenario, run, world)


if __name__ == "__main__":
    main()
