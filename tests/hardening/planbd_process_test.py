#!/usr/bin/env python3
"""planbd as a process an attacker on the host meets: what --check-config refuses and what the
running process exposes. usage: planbd_process_test.py PLANBD"""
import os
import subprocess
import sys
import tempfile
import time

PLANBD = os.path.abspath(sys.argv[1])
NOBODY = 65534

BASE = """[[provider]]
name = "cf"
type = "cloudflare"
api_token_file = "{dir}/cf-token"

[[zone]]
name = "example.com"
providers = ["cf"]

[[target]]
name = "aws"
vendor = "aws"
cname = "d111.cloudfront.net"
  [[target.probe]]
  name = "use1"
  type = "tcp"
  address = "192.0.2.10:443"
"""
BASE_LINES = BASE.count("\n")


def write(path, text, mode=0o600):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def check_config(directory, more):
    write(os.path.join(directory, "cf-token"), "cf-token-h17\n")
    config = os.path.join(directory, "planb.toml")
    write(config, BASE.format(dir=directory) + more, 0o644)
    run = subprocess.run([PLANBD, "--config", config, "--check-config"], capture_output=True,
                         text=True, timeout=60)
    return config, run


def test_check_config_refuses_etcd_credential_files_others_may_read():
    with tempfile.TemporaryDirectory() as d:
        write(os.path.join(d, "etcd-password"), "etcd-pw-h17\n", 0o644)
        write(os.path.join(d, "etcd.key"), "-----BEGIN PRIVATE KEY-----\n", 0o640)
        write(os.path.join(d, "etcd.crt"), "-----BEGIN CERTIFICATE-----\n", 0o644)
        config, run = check_config(d, f"""
[cluster]
etcd_endpoints = ["https://127.0.0.1:2379"]
username = "planb"
password_file = "{d}/etcd-password"
cert_file = "{d}/etcd.crt"
key_file = "{d}/etcd.key"
""")
        assert run.returncode == 1, (run.returncode, run.stdout, run.stderr)
        at = f"{config}:{BASE_LINES + 2}:1: "
        expected = [
            at + f"cluster.password_file: {d}/etcd-password: refusing etcd password file with "
            "mode 0644: group or others may access it; run chmod 600 on it",
            at + f"cluster.key_file: {d}/etcd.key: refusing etcd client key file with mode 0640: "
            "group or others may access it; run chmod 600 on it",
        ]
        lines = run.stderr.splitlines()
        for line in expected:
            assert line in lines, (line, run.stderr)
        assert "etcd-pw-h17" not in run.stderr + run.stdout
        # Private files pass.
        os.chmod(os.path.join(d, "etcd-password"), 0o600)
        os.chmod(os.path.join(d, "etcd.key"), 0o400)
        run = subprocess.run([PLANBD, "--config", config, "--check-config"], capture_output=True,
                             text=True, timeout=60)
        assert run.returncode == 0, (run.stdout, run.stderr)


def test_check_config_refuses_ten_thousand_nested_arrays_without_crashing():
    with tempfile.TemporaryDirectory() as d:
        config, run = check_config(d, "deep = " + "[" * 10000 + "]" * 10000 + "\n")
        assert run.returncode == 1, (run.returncode, run.stderr[-2000:])
        assert (f"{config}:{BASE_LINES + 1}:72: arrays and inline tables are nested deeper than "
                "64 levels") in run.stderr.splitlines(), run.stderr[-2000:]


def proc_owner(pid):
    return os.stat(f"/proc/{pid}/status").st_uid


def blocked_opening_fifo(pid):
    with open(f"/proc/{pid}/comm") as f:
        if f.read().strip() != "planbd":
            return False  # still setpriv
    with open(f"/proc/{pid}/wchan") as f:
        wchan = f.read()
    with open(f"/proc/{pid}/syscall") as f:
        call = f.read().split(" ", 1)[0]
    return wchan in ("fifo_open", "wait_for_partner") and call in ("2", "257")


def test_planbd_is_not_dumpable():
    """A process that is not dumpable has its /proc/PID files owned by root (the kernel's
    task_dump_owner), whatever user it runs as; a dumpable one by its own user. planbd is held
    at its first read of the configuration, a FIFO, and inspected there."""
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o755)
        fifo = os.path.join(d, "planb.toml")
        os.mkfifo(fifo, 0o666)
        os.chmod(fifo, 0o666)
        command = [PLANBD, "--config", fifo, "--check-config"]
        user = os.getuid()
        if user == 0:
            # As root, root owns /proc/PID either way: run planbd as nobody.
            command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                       *command]
            user = NOBODY
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            # Dumpable or not, planbd ends up blocked opening the FIFO (open or openat, in the
            # kernel's FIFO wait), after main's first lines: the check never races its start.
            deadline = time.monotonic() + 10
            while not blocked_opening_fifo(process.pid):
                assert time.monotonic() < deadline, "planbd never opened its configuration"
                time.sleep(0.01)
            owner = proc_owner(process.pid)
            assert owner == 0, f"/proc/{process.pid} belongs to uid {owner}: planbd is dumpable"
        finally:
            with open(fifo, "w"):
                pass  # planbd reads an empty configuration and exits
            process.communicate(timeout=30)


def main():
    failed = 0
    for name, test in sorted(globals().items()):
        if name.startswith("test_"):
            try:
                test()
                print(f"ok   {name}")
            except AssertionError as e:
                failed += 1
                print(f"FAIL {name}: {e}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
