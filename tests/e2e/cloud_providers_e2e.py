"""End-to-end: one zone on BIND9, PowerDNS and the five provider types of issue 18 — DNSPod,
Huawei Cloud DNS, Google Cloud DNS, Azure DNS (fakes answering as the services do) and a provider
of the external-dns webhook protocol — fails over when a vendor dies, and keeps failing over with
any one of its providers down.

usage: cloud_providers_e2e.py PLANBD SCENARIO   (SCENARIO: one of the functions named scenario_*)"""

import importlib
import sys

from world import A_TARGET, B_TARGET, RECORD, ZONE, World, run_scenario, wait_for

# The new types, each with its fake's e2e module tests/e2e/fake_<type>.py.
CLOUD_TYPES = ("dnspod", "huaweicloud", "google", "azure", "webhook")
FAILOVER_BOUND = World.INTERVAL * World.FALL + 2.0
# A provider that was down converges once it answers again: its retry backoff is capped at 30 s.
CONVERGE_BOUND = 45


class CloudWorld(World):
    """World with PowerDNS and the five new provider types hosting the zone beside BIND9."""

    def servers_started(self):
        self.clouds = {}
        for kind in CLOUD_TYPES:
            module = importlib.import_module(f"fake_{kind}")
            self.clouds[kind] = module.start(self.dir, ZONE, self.names, A_TARGET)

    def extra_providers(self):
        return super().extra_providers() + "".join(
            fake.config(kind) + "\n" for kind, fake in self.clouds.items())

    def zone_providers(self):
        names = ["bind", "pdns", *CLOUD_TYPES]
        return "[" + ", ".join(f'"{n}"' for n in names) + "]"

    def secrets(self):
        return super().secrets() + [s for fake in self.clouds.values() for s in fake.secrets()]

    def close(self):
        try:
            return super().close()
        finally:
            for fake in self.clouds.values():
                fake.stop()

    def served(self):
        """What each provider serves at the record: {provider: absolute target or None}."""
        answers = {"bind": self.named.cname(), "pdns": self.pdns.cname()}
        for kind, fake in self.clouds.items():
            answers[kind] = fake.cnames().get(RECORD)
        return answers


def everywhere(world, target, but=()):
    """Whether every provider (but those named) serves TARGET at the record."""
    return all(answer == target for name, answer in world.served().items() if name not in but)


def scenario_every_provider_fails_over_when_a_vendor_dies(world):
    world.wait_verdicts()
    assert everywhere(world, A_TARGET), world.served()
    world.stop_vendor("a")
    wait_for("BIND9 to answer vendor B", lambda: world.named.cname() == B_TARGET,
             FAILOVER_BOUND + 1)
    wait_for("every provider to serve vendor B", lambda: everywhere(world, B_TARGET), 20)
    log = world.planbd.log()
    assert "failover vendor-a -> vendor-b" in log, log


def take_down(world, name):
    if name == "pdns":
        world.pdns.stop()
    else:
        world.clouds[name].down()


def bring_up(world, name):
    if name == "pdns":
        world.pdns.start()
    else:
        world.clouds[name].up()


def scenario_failover_goes_on_with_any_one_provider_down(world):
    world.wait_verdicts()
    assert everywhere(world, A_TARGET), world.served()
    for down in ("pdns", *CLOUD_TYPES):
        take_down(world, down)
        world.stop_vendor("a")
        wait_for(f"the failover to vendor B with {down} down",
                 lambda: everywhere(world, B_TARGET, but=(down,)), FAILOVER_BOUND + 20)
        if down != "pdns":
            assert world.clouds[down].cnames().get(RECORD) == A_TARGET, \
                f"{down} was down, yet it serves {world.clouds[down].cnames().get(RECORD)}"
        bring_up(world, down)
        wait_for(f"{down} to converge once it answers again",
                 lambda: everywhere(world, B_TARGET), CONVERGE_BOUND)
        # Vendor A back: the automatic failback puts every provider on it again.
        world.start_vendor("a")
        wait_for(f"the failback to vendor A after {down} was down",
                 lambda: everywhere(world, A_TARGET), FAILOVER_BOUND + 20)
    status = world.ctl("status")
    assert status.returncode == 0, status
    world.assert_no_secret_in("planbctl status", status.stdout)


def main():
    planbd, scenario = sys.argv[1], sys.argv[2]
    run = globals()[f"scenario_{scenario}"]
    # failback "auto" after 1 s: the scenario with a provider down fails over in both directions.
    world = CloudWorld(planbd, with_pdns=True, failback_after="1s")
    run_scenario(scenario, run, world)


if __name__ == "__main__":
    main()
