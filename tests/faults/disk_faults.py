"""Fault injection: the disk under state_dir fills up (a 64 KiB tmpfs, filled to the last byte).

usage: disk_faults.py PLANBD full_disk_keeps_steering_and_recovers

While the disk is full: the error is logged once and shown by status (JSON `storage` and a
STORAGE line); DNS keeps being served and steered (a vendor death still fails over on every
provider); an operator action that cannot be saved is refused (exit 1) and says why; state.json
keeps its previous, whole content. When space returns, with nothing else happening: state.json
catches up (the failover is in it), audit.jsonl gets every entry kept in memory (the DNS changes
and the refused action), status clears, and operator actions work again.

Needs root to mount the tmpfs: without it the scenario says why and exits 77 (skipped). The same
paths are covered without a mount by the unit tests of tests/unit/faults (a state_dir that
disappears and comes back)."""

import json
import os
import subprocess
import sys

from faultworld import (B_TARGET, CNAME, PROVIDERS, FaultWorld, main, wait_for)

FAILOVER_BOUND = FaultWorld.INTERVAL * FaultWorld.FALL + 2.0


class FullDiskWorld(FaultWorld):
    def config(self, failback_after, hold_down, resync):
        os.makedirs(self.state_dir)
        mount = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs",
                                self.state_dir], capture_output=True, text=True)
        self.mounted = mount.returncode == 0
        if not self.mounted:
            print(f"SKIP: cannot mount a tmpfs on state_dir ({mount.stderr.strip()}); "
                  "the full-disk paths are covered by tests/unit/faults without a mount")
            self.skip = True
        return super().config(failback_after, hold_down, resync)

    def fill(self):
        """Fills the tmpfs to the last byte; returns the bytes written."""
        self.filler = os.path.join(self.state_dir, "filler")
        written = 0
        with open(self.filler, "wb", buffering=0) as f:
            for size in (4096, 512, 1):
                while True:
                    try:
                        written += f.write(b"\0" * size)
                    except OSError:
                        break
        return written

    def unfill(self):
        os.unlink(self.filler)

    def close(self):
        try:
            return super().close()
        finally:
            if getattr(self, "mounted", False):
                subprocess.run(["umount", "-l", self.state_dir], check=False)


def state_target(world):
    try:
        state = json.load(open(os.path.join(world.state_dir, "state.json")))
    except (OSError, ValueError) as e:
        raise AssertionError(f"state.json does not parse: {e}")
    return state["records"]["www.example.test."]["target"]


def scenario_full_disk_keeps_steering_and_recovers(world):
    world.wait_verdicts()
    wait_for("state.json to be written", lambda: os.path.exists(
        os.path.join(world.state_dir, "state.json")), 5)
    assert state_target(world) == "vendor-a"
    filled = world.fill()
    print(f"state_dir filled: {filled} bytes more")

    world.stop_vendor("a")
    wait_for("every provider to serve vendor B on a full disk",
             lambda: set(world.served().values()) == {B_TARGET}, FAILOVER_BOUND + 5)
    world.planbd.wait_log(r"state: .*state\.json.*No space left on device", 2)
    world.planbd.wait_log(r"audit: .*audit\.jsonl.*No space left on device", 2)
    log = world.planbd.log()
    assert log.count("No space left on device") <= 10, "the full disk is logged over and over"
    storage = world.status()["storage"]
    assert "No space left on device" in (storage["state_error"] or ""), storage
    # Some of the first entries may still fit in the last page audit.jsonl already has.
    assert storage["audit_pending"] >= 1, storage
    kept = storage["audit_pending"]
    human = world.ctl("status")
    assert human.returncode == 0 and "STORAGE: " in human.stdout, human.stdout
    assert state_target(world) == "vendor-a", "state.json was damaged by the full disk"

    refused = world.ctl("freeze", "--reason", "while-full")
    assert refused.returncode == 1, (refused.returncode, refused.stdout, refused.stderr)
    assert "could not be saved" in refused.stderr and "No space left" in refused.stderr, \
        refused.stderr
    assert not world.status()["overrides"]["frozen"], "a refused freeze is in force"
    history = json.loads(world.ctl("--json", "history").stdout)["entries"]
    assert any(e.get("reason") == "while-full" for e in history), "history lost the refusal"
    world.assert_alive("on a full disk")

    world.unfill()
    # Nothing else happens from here on: what is written now is the retry of what failed.
    wait_for("state.json to catch up with the failover", lambda: state_target(world) == "vendor-b",
             5)
    world.planbd.wait_log(r"state: .*state\.json written again", 2)

    def audit_complete():
        entries = world.audit()
        dns = {e["provider"] for e in entries if e.get("type") == "dns_change"
               and e.get("to") == B_TARGET and e.get("result") == "ok"}
        refusal = [e for e in entries if e.get("reason") == "while-full"
                   and e.get("result") == "refused"]
        return dns == set(PROVIDERS) and len(refusal) == 1

    wait_for("audit.jsonl to get every entry kept in memory", audit_complete, 5)
    world.planbd.wait_log(r"audit: .*audit\.jsonl written again", 2)
    storage = world.status()["storage"]
    assert storage == {"state_error": None, "audit_error": None, "audit_pending": 0}, storage
    assert "STORAGE" not in world.ctl("status").stdout

    done = world.ctl("freeze", "--reason", "after-space")
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert world.ctl("unfreeze").returncode == 0
    assert any(e.get("reason") == "after-space" for e in world.audit())
    served = world.served()
    assert all(served[p] == CNAME["vendor-b"] for p in PROVIDERS), served
    world.assert_alive("after the disk has room again")
    print(f"FIGURES full_disk failover_on_full_disk=yes refused_actions=1 "
          f"entries_kept_in_memory={kept}+1 lost_entries=0")


def make(planbd, scenario):
    world = FullDiskWorld(planbd, hold_down="1s", resync="3s")
    if getattr(world, "skip", False):
        world.close()
        sys.exit(77)
    return world


if __name__ == "__main__":
    main(globals(), make)
