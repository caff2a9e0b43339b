"""Fault injection: kill -9 planbd at random instants, 20 times (PLANB_KILLS), while it reconciles
(vendor A dies or comes back at the start of every round, so decisions and provider writes are in
flight) and while an operator steers it (pin, release, drain, undrain, freeze, unfreeze in a loop).

usage: process_faults.py PLANBD kill9_during_reconcile_and_operator_actions

After every kill: state.json parses; every line of audit.jsonl parses (a kill cannot tear a
write(2)); every operator action planbctl got an answer for (done or refused) is in audit.jsonl;
every entry `planbctl history` showed before the kill is still there; after the restart the
overrides are those the acknowledged actions left (the one action cut off by the kill may or may
not have been applied, never half); and every provider converges to what status says the record
should serve (the pin's target, when there is a pin)."""

import json
import os
import threading
import time

from faultworld import (CNAME, PROVIDERS, FaultWorld, main, seeded_random, wait_for)

WWW = "www.example.test"
KILLS = int(os.environ.get("PLANB_KILLS", "20"))
# After a restart every provider is read at once and written at once: no backoff is pending.
CONVERGE_BOUND = 20.0


class Operator:
    """Runs planbctl actions one after another in a thread until stopped; keeps what was asked
    and what planbd answered."""

    VERBS = (("failover", WWW, "--to", "vendor-b", "--force"),
             ("failover", WWW, "--to", "vendor-a", "--force", "--for", "1h"),
             ("release", WWW),
             ("drain", "vendor-a", "--for", "1h"),
             ("undrain", "vendor-a"),
             ("freeze",),
             ("unfreeze",))

    def __init__(self, world, rng, round_number):
        self.world = world
        self.rng = rng
        self.round = round_number
        self.done = []        # (args, tag, returncode)
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        n = 0
        while not self.stopping:
            verb = self.rng.choice(self.VERBS)
            tag = f"k{self.round}-{n}"
            n += 1
            args = list(verb)
            if verb[0] in ("failover", "drain", "freeze"):
                args += ["--reason", tag]
            result = self.world.ctl(*args)
            self.done.append((args, tag, result.returncode))
            time.sleep(self.rng.uniform(0.0, 0.15))

    def stop(self):
        self.stopping = True
        self.thread.join(35)
        assert not self.thread.is_alive(), "planbctl hung"


def overrides_of(status):
    o = status["overrides"]
    return {"pin": o["pins"][0]["target"] if o["pins"] else None,
            "drains": sorted(d["target"] for d in o["drains"]),
            "frozen": o["frozen"]}


def apply(model, args):
    """The overrides after ARGS succeeded on MODEL."""
    m = {"pin": model["pin"], "drains": list(model["drains"]), "frozen": model["frozen"]}
    verb = args[0]
    if verb == "failover":
        m["pin"] = args[3]
    elif verb == "release":
        m["pin"] = None
    elif verb == "drain":
        m["drains"] = sorted(set(m["drains"]) | {args[1]})
    elif verb == "undrain":
        m["drains"] = sorted(set(m["drains"]) - {args[1]})
    elif verb == "freeze":
        m["frozen"] = True
    elif verb == "unfreeze":
        m["frozen"] = False
    return m


def key(entry):
    return json.dumps({k: v for k, v in entry.items() if k != "source"}, sort_keys=True)


def audit_lines(world):
    path = os.path.join(world.state_dir, "audit.jsonl")
    entries = []
    for number, line in enumerate(open(path), 1):
        if line.strip():
            try:
                entries.append(json.loads(line))
            except ValueError:
                raise AssertionError(f"audit.jsonl:{number} does not parse: {line!r}")
    return entries


def converged(world):
    status = world.status()
    record = status["records"][0]
    # What planbd decided the record serves: under a freeze or hold-down it may differ from what
    # automation would want ("desired"), and must then stay where it is.
    want = record["served"]
    if want is None:
        return False
    pin = overrides_of(status)["pin"]
    if pin and want != pin:
        return False
    served = world.served()
    return want if all(served[p] == CNAME[want] for p in PROVIDERS) else False


def scenario_kill9_during_reconcile_and_operator_actions(world):
    rng = seeded_random("kill9")
    world.wait_verdicts()
    model = overrides_of(world.status())
    acked = []           # every acknowledged operator action, over all rounds
    shown = {}           # key -> entry: everything `planbctl history` showed before a kill
    restarts = []
    in_flight_lost = 0
    for n in range(KILLS):
        if n % 2 == 0:
            world.stop_vendor("a")
        else:
            world.start_vendor("a")
        operator = Operator(world, rng, n)
        time.sleep(rng.uniform(0.2, 2.5))  # the kill lands anywhere in decide / write / verify
        history = world.ctl("--json", "history", "--limit", "500")
        world.planbd.kill9()
        operator.stop()
        if history.returncode == 0:
            for entry in json.loads(history.stdout)["entries"]:
                shown[key(entry)] = entry

        # On disk, before planbd runs again.
        state = json.load(open(os.path.join(world.state_dir, "state.json")))
        assert "records" in state, state
        entries = audit_lines(world)
        on_disk = {key(e) for e in entries}
        missing = [e for k, e in shown.items() if k not in on_disk]
        assert not missing, f"round {n}: history entries lost by kill -9: {missing}"
        cut = None  # the action the kill cut off: planbctl got no answer, planbd may have acted
        for args, tag, code in operator.done:
            if code in (0, 1):
                acked.append((args, tag, code))
            elif cut is None:
                cut = (args, tag)
            if code == 0:
                model = apply(model, args)
        logged = [(e.get("action"), e.get("reason")) for e in entries if e.get("type") == "operator"]
        for args, tag, code in acked:
            if "--reason" in args:
                assert (args[0], tag) in logged, f"acknowledged {args} ({code}) not in audit.jsonl"
        for verb in ("release", "undrain", "unfreeze"):
            asked = sum(1 for a, _, _ in acked if a[0] == verb)
            found = sum(1 for action, _ in logged if action == verb)
            assert found >= asked, f"{asked} acknowledged {verb}, {found} in audit.jsonl"
        if cut is not None:
            in_flight_lost += 1

        killed = time.monotonic()
        world.planbd.start()
        world.wait_verdicts()
        status = world.status()
        after = overrides_of(status)
        allowed = [model] + ([apply(model, cut[0])] if cut else [])
        assert after in allowed, f"round {n}: overrides {after}, expected one of {allowed}"
        model = after
        target = wait_for(f"round {n}: every provider to serve what status says",
                          lambda: converged(world), CONVERGE_BOUND, interval=0.1)
        restarts.append(time.monotonic() - killed)
        world.assert_alive(f"after restart {n}")
        print(f"kill {n + 1}: {len(operator.done)} operator action(s) answered"
              f"{', one cut off' if cut else ''}; overrides {after}; serving {target}; "
              f"converged {restarts[-1]:.2f}s after the restart")

    entries = audit_lines(world)
    print(f"FIGURES kills={KILLS} acked_operator_actions={len(acked)} "
          f"history_entries_checked={len(shown)} audit_entries={len(entries)} lost_entries=0 "
          f"lost_overrides=0 cut_off_actions={in_flight_lost} "
          f"restart_to_converged_s_max={max(restarts):.2f} "
          f"mean={sum(restarts) / len(restarts):.2f}")


if __name__ == "__main__":
    main(globals(), lambda planbd, scenario: FaultWorld(planbd, hold_down="1s", resync="3s",
                                                        failback_after="1s"))
