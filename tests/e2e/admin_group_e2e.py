"""End-to-end: who may move traffic (product.md §4). planbd accepts state-changing requests on
its admin socket only from root, its own user and members of [daemon] admin_group; anyone else
who can open the socket may read.

The test needs no account on the host: admin_group is a numeric gid no group uses, the member
is a uid without a passwd entry whose primary gid (what SO_PEERCRED reports) is that gid, and
the non-member is `nobody`, given the gid as a supplementary group only so the kernel lets it
open the socket (planbd judges by the user database and the primary gid, as documented).

usage: admin_group_e2e.py PLANBD SCENARIO   (SCENARIO: one of the functions named scenario_*)"""

import json
import os
import pwd
import sys

from world import A_TARGET, B_TARGET, World, run_scenario, wait_for

WWW = "www.example.test"
ADMINS = 47_242  # admin_group, as a gid: no group of the host is needed
MEMBER = 47_241  # a uid without a passwd entry, primary gid ADMINS


class AdminGroupWorld(World):
    def config(self, failback_after, hold_down, resync):
        text = super().config(failback_after, hold_down, resync)
        return text.replace("[daemon]\n", f'[daemon]\nadmin_group = "{ADMINS}"\n', 1)


def ok(result):
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    return result


def operator_entries(world):
    reply = ok(world.ctl("--json", "history", "--limit", "50"))
    return [e for e in json.loads(reply.stdout)["entries"] if e["type"] == "operator"]


def prepared(world):
    if os.getuid() != 0:
        print("skipped: switching to another uid needs root")
        sys.exit(77)
    world.wait_verdicts()
    os.chmod(world.dir, 0o755)  # the way to the socket; its own mode and group decide the rest
    st = os.stat(os.path.join(world.dir, "admin.sock"))
    assert (st.st_mode & 0o7777, st.st_gid) == (0o660, ADMINS), (oct(st.st_mode), st.st_gid)


def scenario_a_member_of_admin_group_pins_a_record_audited_under_its_own_uid(world):
    prepared(world)
    pinned = ok(world.ctl("failover", WWW, "--to", "vendor-b", "--reason", "drill",
                          user=MEMBER, group=ADMINS))
    assert "pinned www.example.test. to vendor-b" in pinned.stdout, pinned
    wait_for("the member's pin in DNS", lambda: world.named.cname() == B_TARGET, 3)
    entry = operator_entries(world)[0]
    assert (entry["action"], entry["result"], entry["user"], entry["uid"], entry["reason"]) == \
        ("failover", "ok", f"uid {MEMBER}", MEMBER, "drill"), entry
    ok(world.ctl("release", WWW, user=MEMBER, group=ADMINS))
    wait_for("the release in DNS", lambda: world.named.cname() == A_TARGET, 5)


def scenario_a_non_member_is_refused_and_can_still_read(world):
    prepared(world)
    nobody = pwd.getpwnam("nobody")
    before = operator_entries(world)
    for args in (["failover", WWW, "--to", "vendor-b"], ["freeze", "--reason", "x"],
                 ["drain", "vendor-a"], ["reload"]):
        refused = world.ctl(*args, user=nobody.pw_uid, group=nobody.pw_gid, groups=[ADMINS])
        assert refused.returncode == 1, (args, refused)
        assert refused.stderr == (f"planbctl: refused: uid {nobody.pw_uid} (nobody) is not root, "
                                  f"planbd's user or in group {ADMINS}\n"), (args, refused)
    status = world.ctl("status", user=nobody.pw_uid, group=nobody.pw_gid, groups=[ADMINS])
    assert status.returncode == 0 and WWW in status.stdout, status
    history = world.ctl("history", user=nobody.pw_uid, group=nobody.pw_gid, groups=[ADMINS])
    assert history.returncode == 0, history
    assert operator_entries(world) == before  # nothing was done, so nothing was audited
    overrides = json.loads(ok(world.ctl("--json", "status")).stdout)["overrides"]
    assert overrides["pins"] == [] and overrides["frozen"] is False, overrides
    assert world.named.cname() == A_TARGET


def main():
    planbd, scenario = sys.argv[1], sys.argv[2]
    run = globals()[f"scenario_{scenario}"]
    run_scenario(scenario, run, AdminGroupWorld(planbd))


if __name__ == "__main__":
    main()
