"""End-to-end: planbd against a real BIND9 and vendor endpoints on loopback.

usage: failover_e2e.py PLANBD SCENARIO   (SCENARIO: one of the functions named scenario_*)"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from world import A_TARGET, B_TARGET, World, run_scenario, secret_file, wait_for

# Failover must land within interval x fall + 2 s of the vendor's death.
FAILOVER_BOUND = World.INTERVAL * World.FALL + 2.0


class NotifySocket:
    """The datagram socket systemd would listen on; collects what planbd sends."""

    def __init__(self):
        self.path = os.path.join(tempfile.mkdtemp(prefix="planb-notify-"), "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.received = []
        threading.Thread(target=self.collect, daemon=True).start()

    def collect(self):
        while True:
            self.received.append(self.sock.recv(4096).decode())

    def messages(self):
        return list(self.received)


def assert_serves(world, target):
    answer = world.named.cname()
    assert answer == target, f"named answers {answer!r}, expected {target!r}"


def hold_for(seconds, what, check):
    """Asserts that `check` stays true for a whole window: the way to show that nothing happens."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert check(), what
        time.sleep(0.1)


def scenario_start_writes_nothing_before_verdicts(world):
    serial = world.named.soa_serial()
    world.wait_verdicts()
    assert_serves(world, A_TARGET)
    hold_for(2, "a healthy start wrote to DNS", lambda: world.named.soa_serial() == serial)
    assert "writing" not in world.planbd.log(), world.planbd.log()


def scenario_vendor_death_fails_over_within_bound(world):
    world.wait_verdicts()
    assert_serves(world, A_TARGET)
    killed = time.monotonic()
    world.stop_vendor("a")
    wait_for("named to answer vendor B", lambda: world.named.cname() == B_TARGET,
             FAILOVER_BOUND + 1)
    took = time.monotonic() - killed
    print(f"failover took {took:.2f}s (bound {FAILOVER_BOUND:.1f}s)")
    assert took <= FAILOVER_BOUND, f"failover took {took:.2f}s, bound {FAILOVER_BOUND:.1f}s"
    log = world.planbd.log()
    assert "failover vendor-a -> vendor-b: vendor-a is unhealthy" in log, log
    assert "connect" in log or "refused" in log, log


def scenario_failback_waits_failback_after(world):
    world.wait_verdicts()
    world.stop_vendor("a")
    wait_for("failover to B", lambda: world.named.cname() == B_TARGET, FAILOVER_BOUND + 1)
    world.start_vendor("a")
    world.planbd.wait_log(r"health: target vendor-a unhealthy -> healthy", 5)
    healthy_at = time.monotonic()
    hold_for(2.5, "failed back before failback_after", lambda: world.named.cname() == B_TARGET)
    wait_for("failback to A", lambda: world.named.cname() == A_TARGET, 3)
    took = time.monotonic() - healthy_at
    print(f"failback {took:.2f}s after vendor A was healthy again (failback_after 3s)")
    assert 2.9 <= took <= 4.5, took
    assert "failback vendor-b -> vendor-a" in world.planbd.log()


def scenario_both_vendors_down_changes_nothing(world):
    world.wait_verdicts()
    serial = world.named.soa_serial()
    # B (the standby) dies first, so there is nowhere to go when A follows.
    world.stop_vendor("b")
    world.planbd.wait_log(r"target vendor-b healthy -> unhealthy", FAILOVER_BOUND + 1)
    world.stop_vendor("a")
    world.planbd.wait_log(r"degraded", FAILOVER_BOUND + 1)
    hold_for(2, "DNS changed with every vendor down",
             lambda: world.named.soa_serial() == serial and world.named.cname() == A_TARGET)
    assert "fail-static" in world.planbd.log() or "no usable target" in world.planbd.log()


def scenario_flapping_endpoint_never_flips(world):
    world.wait_verdicts()
    serial = world.named.soa_serial()
    world.endpoints["a1"].flap = True
    hold_for(6, "a flapping endpoint moved the record",
             lambda: world.named.soa_serial() == serial)
    assert world.endpoints["a1"].requests >= 8, "the flapping endpoint was hardly probed"
    assert_serves(world, A_TARGET)


def scenario_hand_edit_is_reverted(world):
    world.wait_verdicts()
    world.named.nsupdate(f"update delete www.example.test. CNAME\n"
                         f"update add www.example.test. 30 CNAME hand.edit.example.net.")
    assert world.named.cname() == "hand.edit.example.net."
    edited = time.monotonic()
    wait_for("the hand edit to be reverted", lambda: world.named.cname() == A_TARGET, 3 + 2)
    print(f"hand edit reverted after {time.monotonic() - edited:.2f}s (resync_interval 3s)")
    world.planbd.wait_log(r"drift: www.example.test. serves hand.edit.example.net.", 1)


def scenario_kill9_restart_changes_nothing(world):
    world.wait_verdicts()
    world.stop_vendor("a")
    wait_for("failover to B", lambda: world.named.cname() == B_TARGET, FAILOVER_BOUND + 1)
    world.planbd.wait_log(r"answered by every verify server", 2)
    state_path = os.path.join(world.state_dir, "state.json")
    before = json.load(open(state_path))
    assert before["records"]["www.example.test."]["target"] == "vendor-b", before
    serial = world.named.soa_serial()
    world.start_vendor("a")  # A is healthy again when planbd comes back: still no flip at start
    world.planbd.kill9()
    world.planbd.start()
    world.wait_verdicts()
    hold_for(2, "the restart changed DNS", lambda: world.named.soa_serial() == serial)
    assert_serves(world, B_TARGET)
    after = json.load(open(state_path))
    assert after["records"]["www.example.test."]["target"] == "vendor-b", after
    assert "writing" not in world.planbd.log(), world.planbd.log()


def scenario_invalid_reload_is_refused_and_the_old_config_keeps_running(world):
    world.wait_verdicts()
    good = open(world.config_path).read()
    with open(world.config_path, "w") as f:
        f.write(good.replace("fall     = 3", "fall     = 3\nfal = 4"))
    world.planbd.signal(signal.SIGHUP)
    world.planbd.wait_log(r"reload refused: .*planb.toml:\d+:1: probe_defaults.fal: unknown key", 5)
    world.planbd.wait_log(r"the previous configuration keeps running", 1)
    # The old configuration still steers: a vendor death still fails over.
    world.stop_vendor("a")
    wait_for("failover to B", lambda: world.named.cname() == B_TARGET, FAILOVER_BOUND + 1)
    with open(world.config_path, "w") as f:
        f.write(good.replace('failback_after = "3s"', 'failback_after = "1h"'))
    world.planbd.signal(signal.SIGHUP)
    world.planbd.wait_log(r"reload: new configuration active", 5)
    world.start_vendor("a")
    world.planbd.wait_log(r"target vendor-a unhealthy -> healthy", 5)
    hold_for(4, "failed back although failback_after is now 1h",
             lambda: world.named.cname() == B_TARGET)


def scenario_deeply_nested_reload_is_refused_and_the_old_config_keeps_running(world):
    # Ten thousand nested arrays overflowed toml11's recursive parser: planbd died on SIGHUP.
    world.wait_verdicts()
    good = open(world.config_path).read()
    with open(world.config_path, "w") as f:
        f.write(good + "\ndeep = " + "[" * 10000 + "]" * 10000 + "\n")
    world.planbd.signal(signal.SIGHUP)
    world.planbd.wait_log(r"reload refused: .*planb.toml:\d+:72: arrays and inline tables are "
                          r"nested deeper than 64 levels", 5)
    world.planbd.wait_log(r"the previous configuration keeps running", 1)
    world.stop_vendor("a")
    wait_for("failover to B", lambda: world.named.cname() == B_TARGET, FAILOVER_BOUND + 1)


def scenario_reload_that_changes_a_probe_starts_only_that_probe_over(world):
    for probe in ("vendor-a/a1", "vendor-a/a2", "vendor-b/b1", "vendor-b/b2"):
        world.planbd.wait_log(r"health: probe %s unknown -> healthy" % probe, 10)
    good = open(world.config_path).read()
    b1 = 'url    = "%s"' % world.endpoints["b1"].url
    assert good.count(b1) == 1, good
    # A setting the probe's identity once left out: the probe checks something else now.
    with open(world.config_path, "w") as f:
        f.write(good.replace(b1, b1 + '\n  expect_body_regex = "^ok$"'))
    before = len(world.planbd.log())
    world.planbd.signal(signal.SIGHUP)
    world.planbd.wait_log(r"reload: new configuration active", 5)
    since_reload = lambda: world.planbd.log()[before:]
    wait_for("the changed probe to rise again from unknown",
             lambda: "health: probe vendor-b/b1 unknown -> healthy" in since_reload(), 5)
    # The unchanged probes keep their history: none of them starts over (they would within
    # rise x interval = 1 s).
    hold_for(2, "an unchanged probe started over after the reload",
             lambda: not re.search(r"health: probe vendor-(a/a1|a/a2|b/b2) unknown",
                                   since_reload()))


def scenario_speaks_sd_notify(world):
    messages = world.notifications
    wait_for("READY=1", lambda: "READY=1" in messages(), 5)
    wait_for("a STATUS= line", lambda: any(m.startswith("STATUS=") for m in messages()), 5)
    wait_for("WATCHDOG=1", lambda: "WATCHDOG=1" in messages(), 5)
    world.planbd.signal(signal.SIGHUP)
    wait_for("RELOADING=1", lambda: any(m.startswith("RELOADING=1\nMONOTONIC_USEC=")
                                         for m in messages()), 5)
    wait_for("READY=1 after the reload", lambda: messages().count("READY=1") >= 2, 5)
    assert world.planbd.stop() == 0
    wait_for("STOPPING=1", lambda: "STOPPING=1" in messages(), 5)


def check_reference_config(world, binary):
    """planbd accepts the contract's reference config once its secret files are real."""
    reference = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "spec",
                             "planb.example.toml")
    if not os.path.exists(reference):
        print(f"skipped: {reference} is absent (shared/ is not beside the repository)")
        return
    credentials = os.path.join(world.dir, "credentials")
    os.makedirs(credentials)
    for name in ("cloudflare_token", "aws_access_key_id", "aws_secret_access_key",
                 "aliyun_access_key_id", "aliyun_access_key_secret"):
        secret_file(credentials, name, f"{name}-value-e2e")
    tsig = os.path.join(world.dir, "planb-tsig.key")
    shutil.copy(world.named.key_file, tsig)
    os.chmod(tsig, 0o600)
    pdns_key = secret_file(world.dir, "pdns-api-key-ref", "pdns-key-e2e")
    text = open(reference).read()
    text = text.replace("/etc/planb/keys/planb-tsig.key", tsig)
    text = text.replace("/etc/planb/keys/pdns-api-key", pdns_key)
    # A placeholder address made real: the PowerDNS API on this host, the only place product.md §3
    # lets plain http:// carry its key to.
    assert "http://192.0.2.54:8081" in text
    text = text.replace("http://192.0.2.54:8081", "http://127.0.0.1:8081")
    path = os.path.join(world.dir, "reference.toml")
    open(path, "w").write(text)
    result = subprocess.run([binary, "--config", path, "--check-config"], capture_output=True,
                            text=True, env=dict(os.environ, CREDENTIALS_DIRECTORY=credentials))
    assert result.returncode == 0, result
    assert "value-e2e" not in result.stdout + result.stderr


def scenario_check_config_reports_every_error(world):
    binary = world.planbd.binary

    def check(path, *extra):
        return subprocess.run([binary, "--config", path, "--check-config", *extra],
                              capture_output=True, text=True)

    ok = check(world.config_path)
    assert ok.returncode == 0 and ok.stdout.strip().endswith(": ok"), ok
    bad_path = os.path.join(world.dir, "bad.toml")
    text = open(world.config_path).read()
    text = text.replace('timeout  = "300ms"', 'timeout  = "300"')
    text = text.replace('targets        = ["vendor-a", "vendor-b"]',
                        'targets        = ["vendor-a", "vendor-c"]')
    open(bad_path, "w").write(text)
    bad = check(bad_path)
    assert bad.returncode == 1, bad
    lines = [line for line in bad.stderr.splitlines() if line.startswith(bad_path + ":")]
    assert len(lines) == 2, bad.stderr
    assert re.match(re.escape(bad_path) + r":\d+:\d+: probe_defaults.timeout: ", lines[0]), lines
    assert "vendor-c" in lines[1], lines
    # [rehearsal]: a bad interval, and a timeout not shorter than the interval.
    rehearsal_path = os.path.join(world.dir, "rehearsal.toml")
    open(rehearsal_path, "w").write(open(world.config_path).read().replace(
        'interval = "0s"', 'interval = "often"').replace('timeout  = "20s"', 'timeout  = "0s"'))
    rehearsal = check(rehearsal_path)
    assert rehearsal.returncode == 1, rehearsal
    assert re.search(re.escape(rehearsal_path) + r':\d+:\d+: rehearsal.interval: bad duration '
                     r'"often"', rehearsal.stderr), rehearsal.stderr
    assert re.search(r':\d+:\d+: rehearsal.timeout: must be positive, got "0s"',
                     rehearsal.stderr), rehearsal.stderr
    open(rehearsal_path, "w").write(open(world.config_path).read().replace(
        'interval = "0s"', 'interval = "10s"'))
    rehearsal = check(rehearsal_path)
    assert rehearsal.returncode == 1 and "rehearsal.timeout: timeout 20s must be shorter than " \
        "interval 10s" in rehearsal.stderr, rehearsal
    # A probe's files are checked too, with the probe's position.
    missing_ca = os.path.join(world.dir, "missing-ca.toml")
    open(missing_ca, "w").write(open(world.config_path).read().replace(
        'expect_body   = "ok"', 'expect_body   = "ok"\n  sign = "aws-sigv4"\n'
        '  access_key_id_file = "/nonexistent/id"\n'
        '  secret_access_key_file = "/nonexistent/secret"', 1))
    probe = check(missing_ca)
    assert probe.returncode == 1 and re.search(
        r":\d+:\d+: target\[vendor-a\]\.probe\[a1\]: .*/nonexistent/", probe.stderr), probe
    os.chmod(world.named.key_file, 0o644)
    unsafe = check(world.config_path)
    assert unsafe.returncode == 1 and world.named.key_file in unsafe.stderr, unsafe
    assert world.tsig_secret() not in unsafe.stderr + unsafe.stdout
    check_reference_config(world, binary)
    usage = subprocess.run([binary, "--bogus"], capture_output=True, text=True)
    assert usage.returncode == 2 and "usage" in usage.stderr, usage


def both_serve(world, target):
    return world.named.cname() == target and world.pdns.cname() == target


def scenario_two_providers_both_flip_within_bound(world):
    world.wait_verdicts()
    assert world.pdns.cname() == A_TARGET
    killed = time.monotonic()
    world.stop_vendor("a")
    wait_for("BIND and PowerDNS to answer vendor B", lambda: both_serve(world, B_TARGET),
             FAILOVER_BOUND + 1)
    took = time.monotonic() - killed
    print(f"failover on both providers took {took:.2f}s (bound {FAILOVER_BOUND:.1f}s)")
    assert took <= FAILOVER_BOUND, took
    world.planbd.wait_log(r"verify: www.example.test. CNAME app.vendor-b.example.net. answered by "
                          r"every verify server", 5)


def scenario_two_providers_one_down_never_holds_back_the_other(world):
    world.wait_verdicts()
    world.pdns.stop()
    killed = time.monotonic()
    world.stop_vendor("a")
    wait_for("BIND to answer vendor B", lambda: world.named.cname() == B_TARGET, FAILOVER_BOUND + 1)
    took = time.monotonic() - killed
    print(f"BIND flipped {took:.2f}s after the fault with PowerDNS down")
    assert took <= FAILOVER_BOUND, took
    world.planbd.wait_log(r"provider pdns: failed to write .*; retry", 5)
    world.pdns.start()
    restarted = time.monotonic()
    wait_for("PowerDNS to converge after its restart", lambda: world.pdns.cname() == B_TARGET, 15)
    print(f"PowerDNS converged {time.monotonic() - restarted:.2f}s after its restart")
    assert world.named.cname() == B_TARGET


def scenario_two_providers_wrong_key_is_reported_and_the_other_flips(world):
    with open(world.pdns.key_file, "w") as f:
        f.write("this-is-not-the-key-5e1d\n")
    world.planbd.stop()
    world.planbd.start()
    world.wait_verdicts()
    world.planbd.wait_log(r"provider pdns: failed to read www.example.test.: auth: ", 5)
    world.stop_vendor("a")
    wait_for("BIND to answer vendor B", lambda: world.named.cname() == B_TARGET, FAILOVER_BOUND + 1)
    assert world.pdns.cname() == A_TARGET
    wait_for("the provider error in STATUS",
             lambda: any("pdns: auth" in m for m in world.notifications()), 5)
    for message in world.notifications():
        world.assert_no_secret_in("an sd_notify message", message)


def scenario_every_provider_of_the_zone_flips(world):
    world.wait_verdicts()
    assert set(world.api.targets().values()) == {A_TARGET}, world.api.targets()
    killed = time.monotonic()
    world.stop_vendor("a")

    def everywhere():
        served = dict(world.api.targets(), bind=world.named.cname(), pdns=world.pdns.cname())
        return all(target == B_TARGET for target in served.values()) and served

    served = wait_for("all five providers to serve vendor B", everywhere, FAILOVER_BOUND + 3)
    print(f"all five providers serve B {time.monotonic() - killed:.2f}s after the fault: {served}")
    for provider in ("bind", "pdns", "cloudflare", "route53", "alidns"):
        # Route 53 reports once its ChangeBatch is accepted (PENDING), without waiting for INSYNC.
        world.planbd.wait_log(f"provider {provider}: www.example.test. now CNAME {B_TARGET}", 3)


def scenario_every_provider_keeps_its_rules_through_a_failover(world):
    """The accounts as users hold them (ApiFakes real_rules): Route 53 on temporary credentials
    from a credential_process, Alibaba DNS on the free edition with STS credentials, Cloudflare
    records proxied. A failover lands everywhere and breaks none of their rules."""
    api = world.api
    world.wait_verdicts()
    world.stop_vendor("a")

    def everywhere(target):
        served = dict(api.targets(), bind=world.named.cname(), pdns=world.pdns.cname())
        return all(t == target for t in served.values()) and served

    wait_for("all five providers to serve vendor B", lambda: everywhere(B_TARGET),
             FAILOVER_BOUND + 3)
    # Cloudflare: still proxied; its TTL stays Auto.
    cf = next(r for r in api.cloudflare.control("GET", "/_fake/records") if r["type"] == "CNAME")
    assert cf["proxied"] is True and cf["ttl"] == 1, cf
    world.planbd.wait_log(r"provider cloudflare: www.example.test. now CNAME .*; proxied", 3)
    # Alibaba DNS free edition: written with its floor of 600, and said so.
    ali = next(r for r in api.alidns.control("GET", "/_fake/records") if r["Type"] == "CNAME")
    assert int(ali["TTL"]) == 600, ali
    world.planbd.wait_log(r"provider alidns: www.example.test. written with TTL 600, not 60", 3)
    status = status_of(world)
    raised = {p["name"]: p["ttl_raised"] for p in status["records"][0]["providers"]}
    assert raised["alidns"] == {"configured": 60, "written": 600}, raised
    assert raised["route53"] is None and raised["bind"] is None, raised
    # Route 53 took only the session credentials credential_process printed; their end shows.
    # Looked at every 10 s (CredentialWatch): the process first ran with the first request.
    expires = wait_for("route53's credential expiry in the status", lambda: {
        c["provider"]: c["expires_unix_time"] for c in status_of(world)["credentials"]}, 12, 0.5)
    left = expires["route53"] - time.time()
    assert 18 * 60 < left <= 20 * 60, expires
    _, metrics = world.http_get("/metrics")
    assert sample(metrics, "planb_provider_credentials_expiry_timestamp_seconds",
                  {"provider": "route53"}) == expires["route53"], metrics
    planbctl = os.path.join(os.path.dirname(world.planbd.binary), "planbctl")
    human = subprocess.run([planbctl, "--socket", os.path.join(world.dir, "admin.sock"),
                            "status"], capture_output=True, text=True)
    assert "CREDENTIALS: provider route53: temporary credentials expire in" in human.stdout, human
    assert "provider alidns: TTL 600 written, not 60" in human.stdout, human.stdout
    world.assert_no_secret_in("planbctl status", human.stdout + json.dumps(status) + metrics)

    # The STS credentials are rotated by an agent rewriting the files: the failback goes through
    # with the new ones, without a restart, once the old ones are refused.
    api.secrets.update({"ali_sts_secret2": "ali-sts-secret-e2e-rot-91", "ali_sts_token2":
                        "ali-sts-token-e2e-rot-CAIS77"})
    api.alidns.control("POST", "/_fake/sts", {
        "access_key_id": api.secrets["ali_sts_id"],
        "access_key_secret": api.secrets["ali_sts_secret2"],
        "security_token": api.secrets["ali_sts_token2"]})
    for name in ("ali_sts_secret", "ali_sts_token"):
        rotated = api.files[name] + ".new"
        secret_file(os.path.dirname(rotated), os.path.basename(rotated), api.secrets[name + "2"])
        os.rename(rotated, api.files[name])
    world.start_vendor("a")
    wait_for("all five providers to serve vendor A again", lambda: everywhere(A_TARGET),
             FAILOVER_BOUND + 10)


CONTRACT_METRICS = [
    "planb_build_info", "planb_probe_success", "planb_probe_duration_seconds",
    "planb_probe_results_total", "planb_target_healthy", "planb_vendor_down", "planb_record_target",
    "planb_record_degraded", "planb_record_in_sync", "planb_failovers_total",
    "planb_provider_requests_total", "planb_provider_request_duration_seconds",
    "planb_dns_propagation_seconds", "planb_last_reconcile_success_timestamp_seconds",
    "planb_frozen", "planb_local_network_down", "planb_overrides"]


def sample(text, name, labels):
    """The value of the series NAME{LABELS...} in exposition TEXT (labels: a dict, any order)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def scenario_metrics_pass_promtool_and_follow_a_failover(world):
    world.wait_verdicts()
    status, text = world.http_get("/metrics")
    assert status == 200, status
    for name in CONTRACT_METRICS:
        assert f"# TYPE {name} " in text, f"{name} is missing from /metrics"
    promtool = shutil.which("promtool")
    assert promtool, "promtool is not installed: run scripts/setup"
    lint = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                          text=True)
    assert lint.returncode == 0 and not lint.stdout.strip() and not lint.stderr.strip(), lint
    assert world.http_get("/healthz")[0] == 200
    record = "www.example.test."
    assert sample(text, "planb_record_target", {"record": record, "target": "vendor-a"}) == 1
    world.stop_vendor("a")
    wait_for("failover to B", lambda: world.named.cname() == B_TARGET, FAILOVER_BOUND + 1)

    def moved():
        text = world.http_get("/metrics")[1]
        return (sample(text, "planb_record_target", {"record": record, "target": "vendor-b"}) == 1
                and sample(text, "planb_failovers_total",
                           {"record": record, "from": "vendor-a", "to": "vendor-b"}) == 1
                and sample(text, "planb_record_in_sync", {"record": record, "provider": "bind"}) == 1
                and text)

    text = wait_for("the metrics to show the failover", moved, 3)
    assert sample(text, "planb_target_healthy", {"target": "vendor-a"}) == 0
    assert sample(text, "planb_probe_results_total",
                  {"target": "vendor-a", "probe": "a1", "result": "refused"}) >= 1
    assert sample(text, "planb_provider_requests_total",
                  {"provider": "bind", "result": "success"}) >= 2
    world.assert_no_secret_in("/metrics", text)


def scenario_planbctl_status_explains_a_failover(world):
    planbctl = os.path.join(os.path.dirname(world.planbd.binary), "planbctl")
    socket_path = os.path.join(world.dir, "admin.sock")

    def ctl(*args):
        return subprocess.run([planbctl, "--socket", socket_path, *args], capture_output=True,
                              text=True)

    world.wait_verdicts()
    world.stop_vendor("a")
    wait_for("failover to B", lambda: world.named.cname() == B_TARGET, FAILOVER_BOUND + 1)
    world.planbd.wait_log(r"provider bind: www.example.test. now CNAME", 2)
    human = ctl("status")
    assert human.returncode == 0, human
    record_line = next(line for line in human.stdout.splitlines()
                       if line.startswith("www.example.test. "))
    assert "vendor-b" in record_line and "bind ✓ in sync" in record_line, human.stdout
    assert "No overrides: automation decides." in human.stdout, human.stdout
    assert "vendor-a is unhealthy" in human.stdout, human.stdout
    assert "✗ unhealthy" in human.stdout, human.stdout
    status = json.loads(ctl("--json", "status").stdout)
    record = status["records"][0]
    assert record["served"] == "vendor-b" and record["providers"][0]["in_sync"], record
    assert {t["name"]: t["health"] for t in status["targets"]} == {
        "vendor-a": "unhealthy", "vendor-b": "healthy"}, status["targets"]
    assert oct(os.stat(socket_path).st_mode & 0o777) == "0o660"
    world.assert_no_secret_in("planbctl status", human.stdout + json.dumps(status))
    missing = subprocess.run([planbctl, "--socket", "/nonexistent/planb.sock", "status"],
                             capture_output=True, text=True)
    assert missing.returncode == 3 and "/nonexistent/planb.sock" in missing.stderr, missing
    assert ctl("bogus").returncode == 2
    checked = ctl("check-config", world.config_path)
    assert checked.returncode == 0 and checked.stdout.strip().endswith(": ok"), checked
    plan = ctl("plan")
    assert plan.returncode == 0 and "none: in sync" in plan.stdout, plan
    # A hand edit shows up in the plan as the write planbd is about to make, once it is read.
    world.named.nsupdate("update delete www.example.test. CNAME\n"
                         "update add www.example.test. 60 CNAME hand.edit.example.net.")
    planned = wait_for("the plan to show the repair",
                       lambda: "write CNAME " + B_TARGET in ctl("plan").stdout or
                       world.named.cname() == B_TARGET, 5)
    assert planned
    good = open(world.config_path).read()
    open(world.config_path, "w").write(good.replace("fall     = 3", "fall     = 3\nfal = 4"))
    refused = ctl("reload")
    assert refused.returncode == 1 and "probe_defaults.fal: unknown key" in refused.stderr, refused
    open(world.config_path, "w").write(good)
    reloaded = ctl("reload")
    assert reloaded.returncode == 0 and reloaded.stdout.strip() == "reloaded", reloaded
    entries = json.loads(ctl("--json", "history").stdout)["entries"]
    reloads = [(e["result"], e["user"]) for e in entries if e.get("action") == "reload"]
    assert reloads == [("ok", "root"), ("refused", "root")] or os.getuid() != 0, reloads
    assert any(e["type"] == "dns_change" and e["to"] == B_TARGET for e in entries), entries


def status_of(world):
    planbctl = os.path.join(os.path.dirname(world.planbd.binary), "planbctl")
    return json.loads(subprocess.run(
        [planbctl, "--socket", os.path.join(world.dir, "admin.sock"), "--json", "status"],
        capture_output=True, text=True, check=True).stdout)


def guard_down(world):
    code, text = world.http_get("/metrics")
    return code == 200 and "\nplanb_local_network_down 1" in text


def scenario_guard_holds_automation_while_every_canary_fails(world):
    world.wait_verdicts()
    wait_for("both canaries answering", lambda: all(
        c["last"] == "ok" for c in status_of(world)["guard"]["canaries"]), 5)
    # This host's uplink dies: the canaries and vendor A fail together; B still answers.
    world.stop_vendor("c")
    world.stop_vendor("a")
    wait_for("the guard to fire", lambda: guard_down(world), 3)
    wait_for("vendor-a unhealthy", lambda: status_of(world)["targets"][0]["health"] == "unhealthy",
             FAILOVER_BOUND)
    hold_for(2, "planbd changed DNS while every canary failed",
             lambda: world.named.cname() == A_TARGET)
    record = status_of(world)["records"][0]
    assert record["rule"] == "local-network-down" and record["desired"] == "vendor-b", record
    assert "every canary fails" in world.planbd.log()
    # Every vendor unreachable too: still no change.
    world.stop_vendor("b")
    hold_for(2, "planbd changed DNS with every canary and vendor down",
             lambda: world.named.cname() == A_TARGET)
    # The uplink returns, vendor A is still dead: automation resumes and fails over.
    world.start_vendor("b")
    world.start_vendor("c")
    wait_for("the guard to stand down", lambda: not guard_down(world), 3)
    wait_for("failover to B once the guard stood down", lambda: world.named.cname() == B_TARGET,
             FAILOVER_BOUND + 2)
    assert "automation resumes" in world.planbd.log()


def scenario_vendor_one_region_down_is_left_to_the_vendor(world):
    """failover_on = "vendor": vendor A has regions region-1 (a1) and region-2 (a2)."""
    world.wait_verdicts()
    world.stop_vendor("a1")
    wait_for("region-1 down", lambda: any(
        r["name"] == "region-1" and r["state"] == "down"
        for v in status_of(world)["vendors"] if v["name"] == "vendor-a" for r in v["regions"]),
        FAILOVER_BOUND)
    hold_for(2, "one region's trouble moved the record", lambda: world.named.cname() == A_TARGET)
    vendor = next(v for v in status_of(world)["vendors"] if v["name"] == "vendor-a")
    assert vendor["health"] == "up" and vendor["down_when"] == "majority", vendor
    planbctl = os.path.join(os.path.dirname(world.planbd.binary), "planbctl")
    human = subprocess.run([planbctl, "--socket", os.path.join(world.dir, "admin.sock"), "status"],
                           capture_output=True, text=True).stdout
    assert "region-1 ✗ down" in human and "region-2 ✓ up" in human, human
    # The second of two regions: a majority is down, so the vendor is.
    world.stop_vendor("a2")
    wait_for("failover once the vendor is down", lambda: world.named.cname() == B_TARGET,
             FAILOVER_BOUND)
    assert "vendor vendor-a up -> down" in world.planbd.log() or \
        "vendor vendor-a healthy -> down" in world.planbd.log(), world.planbd.log()


# Scenarios whose record has failover_on = "vendor"; the others react to target health.
VENDOR_MODE_SCENARIOS = {"vendor_one_region_down_is_left_to_the_vendor"}


def main():
    planbd, scenario = sys.argv[1], sys.argv[2]
    run = globals()[f"scenario_{scenario}"]
    env = None
    notify = None
    if scenario in ("speaks_sd_notify", "two_providers_wrong_key_is_reported_and_the_other_flips"):
        notify = NotifySocket()
        env = {"NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"}
    world = World(planbd, env=env,
                  with_pdns=scenario.startswith("two_providers") or scenario.startswith("every"),
                  with_api_fakes=scenario.startswith("every"),
                  real_rules=scenario == "every_provider_keeps_its_rules_through_a_failover",
                  with_canaries=scenario.startswith("guard"),
                  failover_on="vendor" if scenario in VENDOR_MODE_SCENARIOS else "target")
    world.notifications = notify.messages if notify else None
    run_scenario(scenario, run, world)


if __name__ == "__main__":
    main()
