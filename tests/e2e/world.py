"""A local world for end-to-end tests: a real BIND9 (named) with a TSIG-protected dynamic zone,
vendors' HTTP endpoints on loopback, and planbd itself. Every process is started here, bound to
127.0.0.1 high ports, waited for with a deadline, and stopped by PID.

Python standard library only."""

import datetime
import http.server
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ZONE = "example.test"
RECORD = "www.example.test."


def free_port():
    """A port free on 127.0.0.1 for both UDP and TCP (named listens on both). Chosen below the
    kernel's ephemeral range, so no outgoing connection takes it while a server restarts."""
    for _ in range(200):
        port = random.randrange(20000, 32768)
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            tcp.bind(("127.0.0.1", port))
            udp.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            tcp.close()
            udp.close()
        return port
    raise RuntimeError("no free port on 127.0.0.1")


def wait_for(what, predicate, timeout, interval=0.05):
    """Polls predicate until it returns a true value or the deadline passes (then fails)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {what}")
        time.sleep(interval)


def require(binary):
    path = shutil.which(binary) or (os.path.exists(f"/usr/sbin/{binary}") and f"/usr/sbin/{binary}")
    if not path:
        if os.environ.get("PLANB_ALLOW_SKIP") == "1":
            print(f"SKIP: {binary} is not installed")
            sys.exit(77)
        raise AssertionError(f"{binary} is not installed: run scripts/setup")
    return path


class Endpoint:
    """One vendor endpoint: answers GET /healthz with 200 "ok" until stopped (then connections
    are refused). `flap` alternates 200 and 503."""

    def __init__(self, name):
        self.name = name
        self.port = free_port()
        self.flap = False
        self.requests = 0
        self.server = None
        self.start()

    def start(self):
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                endpoint.requests += 1
                failing = endpoint.flap and endpoint.requests % 2 == 0
                body = b"down" if failing else b"ok"
                self.send_response(503 if failing else 200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/healthz"


def relative(name):
    """NAME (absolute, in ZONE) relative to ZONE: "www" for www.example.test."""
    return name[:-len(ZONE) - 2]


class Named:
    """BIND9 serving example.test, updatable with a fresh TSIG key: NAMES (absolute) each a CNAME
    to the initial target, each updatable as a CNAME."""

    def __init__(self, directory, initial_target, names=(RECORD,)):
        self.dir = directory
        self.port = free_port()
        self.key_file = os.path.join(directory, "tsig.key")
        with open(self.key_file, "w") as out:
            subprocess.run([require("tsig-keygen"), "-a", "hmac-sha256", "planb-key"],
                           stdout=out, check=True)
        os.chmod(self.key_file, 0o600)
        with open(os.path.join(directory, "named.conf"), "w") as conf:
            conf.write(f"""include "{self.key_file}";
options {{ directory "{directory}"; pid-file "{directory}/named.pid";
  listen-on port {self.port} {{ 127.0.0.1; }}; listen-on-v6 {{ none; }};
  recursion no; dnssec-validation no; notify no; }};
zone "{ZONE}" {{ type primary; file "{directory}/{ZONE}.db";
  update-policy {{ {" ".join(f"grant planb-key name {n} CNAME;" for n in names)}
    grant planb-key name _planb-rehearsal.{ZONE} TXT; }}; }};
""")
        with open(os.path.join(directory, f"{ZONE}.db"), "w") as zone:
            zone.write(f"$TTL 60\n@ IN SOA ns1 hostmaster 1 3600 600 86400 30\n"
                       f" IN NS ns1\nns1 IN A 127.0.0.1\n")
            zone.writelines(f"{relative(n)} IN CNAME {initial_target}\n" for n in names)
        self.log = open(os.path.join(directory, "named.log"), "w")
        self.proc = subprocess.Popen([require("named"), "-g", "-c", f"{directory}/named.conf"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        wait_for("named to answer SOA", lambda: self.soa_serial() is not None, 10)

    def dig(self, name, rtype):
        result = subprocess.run([require("dig"), "@127.0.0.1", "-p", str(self.port), "+norecurse",
                                 "+short", "+time=1", "+tries=1", name, rtype],
                                capture_output=True, text=True)
        return result.stdout.strip() if result.returncode == 0 else None

    def cname(self):
        return self.dig(RECORD, "CNAME")

    def soa_serial(self):
        answer = self.dig(ZONE, "SOA")
        return int(answer.split()[2]) if answer else None

    def nsupdate(self, commands):
        script = f"server 127.0.0.1 {self.port}\nzone {ZONE}\n{commands}\nsend\n"
        subprocess.run([require("nsupdate"), "-k", self.key_file], input=script, text=True,
                       check=True)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Pdns:
    """PowerDNS Authoritative with the sqlite3 backend and its HTTP API, serving example.test with
    NAMES (absolute) each a CNAME to the initial target."""

    SCHEMA = "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"

    def __init__(self, directory, initial_target, api_key, names=(RECORD,)):
        self.dir = os.path.join(directory, "pdns")
        os.makedirs(self.dir)
        self.port = free_port()
        self.api_port = free_port()
        self.api_key = api_key
        self.key_file = os.path.join(directory, "pdns-api-key")
        with open(self.key_file, "w") as f:
            f.write(api_key + "\n")
        os.chmod(self.key_file, 0o600)
        db = os.path.join(self.dir, "pdns.sqlite3")
        subprocess.run([require("sqlite3"), db], stdin=open(self.SCHEMA), check=True)
        self.db = db
        self.write_conf()
        pdnsutil = [require("pdnsutil"), f"--config-dir={self.dir}"]
        subprocess.run(pdnsutil + ["create-zone", ZONE, f"ns1.{ZONE}"], check=True,
                       capture_output=True)
        # One sqlite3 run adds them all, as `pdnsutil add-record` would one by one (a process
        # each: too slow for a thousand names).
        rows = "".join(f"INSERT INTO records (domain_id, name, type, content, ttl, disabled, auth) "
                       f"SELECT id, '{n.rstrip('.')}', 'CNAME', '{initial_target.rstrip('.')}', "
                       f"30, 0, 1 FROM domains WHERE name = '{ZONE}';\n" for n in names)
        subprocess.run([require("sqlite3"), db], input=rows, text=True, check=True)
        self.proc = None
        self.start(may_move=True)

    def write_conf(self):
        with open(os.path.join(self.dir, "pdns.conf"), "w") as conf:
            conf.write(f"""launch=gsqlite3
gsqlite3-database={self.db}
local-address=127.0.0.1
local-port={self.port}
socket-dir={self.dir}
api=yes
api-key={self.api_key}
webserver=yes
webserver-address=127.0.0.1
webserver-port={self.api_port}
webserver-allow-from=127.0.0.1/32
default-ttl=60
security-poll-suffix=
""")

    def start(self, may_move=False):
        """Starts pdns_server and waits until it answers. MAY_MOVE (before anything was told its
        ports): a port chosen free but taken by a test running beside this one before
        pdns_server bound it ("Address already in use") is replaced and the start tried again."""
        log_path = os.path.join(self.dir, "pdns.log")
        for attempt in range(3):
            self.log = open(log_path, "a")
            logged_before = self.log.tell()
            self.proc = subprocess.Popen([require("pdns_server"), f"--config-dir={self.dir}",
                                          "--daemon=no", "--guardian=no", "--disable-syslog"],
                                         stdout=self.log, stderr=subprocess.STDOUT)
            wait_for("pdns_server to answer SOA or exit",
                     lambda: self.proc.poll() is not None or self.cname() is not None, 10)
            if self.proc.poll() is None:
                return
            self.log.close()
            with open(log_path) as log:
                log.seek(logged_before)
                taken = "Address already in use" in log.read()
            if not (may_move and taken) or attempt == 2:
                raise AssertionError(f"pdns_server exited with {self.proc.returncode}; see {log_path}")
            self.port, self.api_port = free_port(), free_port()
            self.write_conf()

    def cname(self):
        result = subprocess.run([require("dig"), "@127.0.0.1", "-p", str(self.port), "+norecurse",
                                 "+short", "+time=1", "+tries=1", RECORD, "CNAME"],
                                capture_output=True, text=True)
        return result.stdout.strip() if result.returncode == 0 else None

    @property
    def api_url(self):
        return f"http://127.0.0.1:{self.api_port}"

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def secret_file(directory, name, value):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(value + "\n")
    os.chmod(path, 0o600)
    return path


class ApiFake:
    """One of the protocol-faithful API fakes of tests/fakes, on its own port."""

    FAKES = os.path.join(os.path.dirname(__file__), "..", "fakes")

    def __init__(self, directory, script, args):
        self.port = free_port()
        self.log = open(os.path.join(directory, script + ".log"), "w")
        self.proc = subprocess.Popen([sys.executable, os.path.join(self.FAKES, script),
                                      "--port", str(self.port), *args],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(f"{script} to answer", lambda: self.control("GET", "/_fake/health") is not None, 10)

    def control(self, method, path, body=None):
        import json
        import urllib.request
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=2) as reply:
                text = reply.read()
                return json.loads(text) if text else {}
        except OSError:
            return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.log.close()


class ApiFakes:
    """Cloudflare, Route 53 and Alibaba DNS fakes serving example.test with NAMES (absolute) each
    a CNAME to the initial target, with distinctive credentials so a leak is easy to find.
    FAKE_ARGS: more command-line arguments per fake ("cloudflare", "route53", "alidns").

    REAL_RULES: the accounts as users often hold them — Route 53 takes temporary credentials only
    (planbd gets them from a credential_process), Alibaba DNS is on the free edition (no TTL
    under 600) and takes STS credentials, the Cloudflare records are proxied."""

    def __init__(self, directory, initial_target, names=(RECORD,), fake_args=None,
                 real_rules=False):
        d = os.path.join(directory, "api-fakes")
        os.makedirs(d)
        self.dir = d
        self.real_rules = real_rules
        self.secrets = {"cf_token": "cf-token-7d1e9b2c44", "aws_key_id": "AKIDPLANBE2E77",
                        "aws_secret": "aws-secret-e2e-9a8b7c6d5e", "ali_key_id": "LTAIplanbe2e55",
                        "ali_secret": "ali-secret-e2e-1f2e3d4c"}
        if real_rules:
            self.secrets.update({"aws_session": "aws-session-e2e-IQoJb3Jp5c1a",
                                 "ali_sts_id": "STS.planbe2e3b7d", "ali_sts_secret":
                                 "ali-sts-secret-e2e-8e7d", "ali_sts_token": "ali-sts-token-e2e-CAIS4f"})
        self.files = {k: secret_file(d, k, v) for k, v in self.secrets.items()}
        plain = initial_target.rstrip(".")
        extra = fake_args or {}
        self.cloudflare = ApiFake(d, "cloudflare_server.py", [
            "--token-file", self.files["cf_token"], *extra.get("cloudflare", ())])
        self.cloudflare.control("POST", "/_fake/zones", {"name": ZONE})
        session = ["--session-token-file", self.files["aws_session"]] if real_rules else []
        self.route53 = ApiFake(d, "route53_server.py", [
            "--access-key-id-file", self.files["aws_key_id"], "--secret-file",
            self.files["aws_secret"], *session, *extra.get("route53", ())])
        self.zone_id = self.route53.control("POST", "/_fake/zones", {"name": ZONE + "."})["id"]
        self.alidns = ApiFake(d, "alidns_server.py", [
            "--access-key-id-file", self.files["ali_key_id"], "--access-key-secret-file",
            self.files["ali_secret"], "--domain", ZONE, *extra.get("alidns", ())])
        if real_rules:
            self.alidns.control("POST", "/_fake/domains", {"name": ZONE, "edition": "free"})
            self.alidns.control("POST", "/_fake/sts", {
                "access_key_id": self.secrets["ali_sts_id"],
                "access_key_secret": self.secrets["ali_sts_secret"],
                "security_token": self.secrets["ali_sts_token"]})
            self.write_aws_credential_process_output(minutes=20)
        for name in names:
            self.cloudflare.control("POST", "/_fake/records", {
                "zone": ZONE, "name": name.rstrip("."), "type": "CNAME", "content": plain,
                "ttl": 60, "proxied": real_rules})
            self.route53.control("POST", "/_fake/rrsets", {"zone_id": self.zone_id, "name": name,
                                                           "type": "CNAME", "ttl": 60,
                                                           "values": [initial_target]})
            self.alidns.control("POST", "/_fake/records", {"domain": ZONE, "rr": relative(name),
                                                           "type": "CNAME", "value": plain,
                                                           "ttl": 600})
        # Where planbd reaches each fake: its own port unless a test puts something between.
        self.ports = {"cloudflare": self.cloudflare.port, "route53": self.route53.port,
                      "alidns": self.alidns.port}

    def write_aws_credential_process_output(self, minutes):
        """What the credential_process prints: AWS's JSON, expiring MINUTES from now."""
        expiration = (datetime.datetime.now(datetime.timezone.utc)
                      + datetime.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.aws_expiration = expiration
        path = os.path.join(self.dir, "aws-credential-process.json")
        with open(path, "w") as f:
            json.dump({"Version": 1, "AccessKeyId": self.secrets["aws_key_id"],
                       "SecretAccessKey": self.secrets["aws_secret"],
                       "SessionToken": self.secrets["aws_session"],
                       "Expiration": expiration}, f)
        return path

    def config(self):
        def keys(**files):
            return "\n".join(f'{key:<22} = "{self.files[name]}"' for key, name in files.items())

        if self.real_rules:
            printed = os.path.join(self.dir, "aws-credential-process.json")
            route53_credentials = f'credential_process     = "cat {printed}"'
            alidns_credentials = keys(access_key_id_file="ali_sts_id",
                                      access_key_secret_file="ali_sts_secret",
                                      security_token_file="ali_sts_token")
        else:
            route53_credentials = keys(access_key_id_file="aws_key_id",
                                       secret_access_key_file="aws_secret")
            alidns_credentials = keys(access_key_id_file="ali_key_id",
                                      access_key_secret_file="ali_secret")
        return f"""
[[provider]]
name           = "cloudflare"
type           = "cloudflare"
api_token_file = "{self.files['cf_token']}"
endpoint       = "http://127.0.0.1:{self.ports['cloudflare']}/client/v4"

[[provider]]
name                   = "route53"
type                   = "route53"
{route53_credentials}
endpoint               = "http://127.0.0.1:{self.ports['route53']}"

[[provider]]
name                   = "alidns"
type                   = "alidns"
{alidns_credentials}
endpoint               = "http://127.0.0.1:{self.ports['alidns']}/"
"""

    def targets(self):
        """What each fake serves at www.example.test, canonical."""
        return {fake: served.get(RECORD) for fake, served in self.cnames().items()}

    def cnames(self):
        """Every CNAME each fake serves: {fake: {absolute name: canonical target}}."""
        canonical = lambda v: v.lower().rstrip(".") + "."
        cf = self.cloudflare.control("GET", "/_fake/records") or []
        r53 = self.route53.control("GET", f"/_fake/rrsets?zone_id={self.zone_id}") or []
        ali = self.alidns.control("GET", "/_fake/records") or []
        return {"cloudflare": {canonical(r["name"]): canonical(r["content"]) for r in cf
                               if r.get("type") == "CNAME"},
                "route53": {canonical(r["name"]): canonical(r["values"][0]) for r in r53
                            if r.get("type") == "CNAME" and r.get("values")},
                "alidns": {canonical(f"{r['RR']}.{ZONE}"): canonical(r["Value"]) for r in ali
                           if r.get("Type") == "CNAME"}}

    def stop(self):
        for fake in (self.cloudflare, self.route53, self.alidns):
            fake.stop()


class Planbd:
    """planbd with its stderr in a file, read back for the log lines tests wait on."""

    def __init__(self, binary, config_path, directory, env=None):
        self.binary = binary
        self.env = dict(os.environ, **(env or {}))
        self.config_path = config_path
        self.log_path = os.path.join(directory, "planbd.log")
        self.proc = None
        self.start()

    def start(self):
        self.offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen([self.binary, "--config", self.config_path],
                                     stdout=log, stderr=subprocess.STDOUT, env=self.env)
        log.close()

    def log(self, since_start=True):
        with open(self.log_path) as f:
            f.seek(self.offset if since_start else 0)
            return f.read()

    def wait_log(self, pattern, timeout):
        regex = re.compile(pattern)
        return wait_for(f"planbd to log /{pattern}/", lambda: regex.search(self.log()), timeout)

    def signal(self, number):
        self.proc.send_signal(number)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                return self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("planbd did not stop within 10 s of SIGTERM")
        return self.proc.returncode if self.proc else None


A_TARGET = "app.vendor-a.example.net."
B_TARGET = "app.vendor-b.example.net."


class World:
    """named + vendor A (regions a1, a2) + vendor B (regions b1, b2) + planbd, steering the
    records NAMES (absolute, in ZONE; www.example.test. alone unless told)."""

    INTERVAL = 0.5
    FALL = 3

    def __init__(self, planbd_binary, failback_after="3s", hold_down="1s", resync="3s",
                 env=None, with_pdns=False, pdns_api_key="pdns-api-key-3f9c1e7a",
                 with_api_fakes=False, with_canaries=False, failover_on="target",
                 names=(RECORD,), fake_args=None, real_rules=False,
                 rehearsal_interval="0s"):
        self.dir = tempfile.mkdtemp(prefix="planb-e2e-")
        self.names = tuple(names)
        self.named = Named(self.dir, A_TARGET, self.names)
        self.pdns = Pdns(self.dir, A_TARGET, pdns_api_key, self.names) if with_pdns else None
        self.api = (ApiFakes(self.dir, A_TARGET, self.names, fake_args, real_rules)
                    if with_api_fakes else None)
        # Where planbd reaches BIND9 and PowerDNS's API: the servers themselves unless a
        # subclass's servers_started() puts something between.
        self.bind_port = self.named.port
        self.pdns_api_port = self.pdns.api_port if self.pdns else None
        self.servers_started()
        endpoints = ("a1", "a2", "b1", "b2") + (("c1", "c2") if with_canaries else ())
        self.endpoints = {n: Endpoint(n) for n in endpoints}
        self.metrics_port = free_port()
        self.failover_on = failover_on
        # Off unless a scenario rehearses: the others count provider requests and writes.
        self.rehearsal_interval = rehearsal_interval
        self.config_path = os.path.join(self.dir, "planb.toml")
        self.state_dir = os.path.join(self.dir, "state")
        with open(self.config_path, "w") as f:
            f.write(self.config(failback_after, hold_down, resync))
        self.planbd = Planbd(planbd_binary, self.config_path, self.dir, env)
        self.failed = False

    def servers_started(self):
        """Called once named, PowerDNS and the API fakes run, before planbd's config is written."""

    def config(self, failback_after, hold_down, resync):
        e = self.endpoints
        return f"""
[daemon]
state_dir       = "{self.state_dir}"
admin_socket    = "{self.dir}/admin.sock"
metrics_listen  = "127.0.0.1:{self.metrics_port}"
log_level       = "info"
resync_interval = "{resync}"

[probe_defaults]
interval = "500ms"
timeout  = "300ms"
rise     = 2
fall     = {self.FALL}

[guard]
{self.canaries()}
hold_down          = "{hold_down}"
max_flips_per_hour = 20
all_unhealthy      = "keep"

[rehearsal]
interval = "{self.rehearsal_interval}"
timeout  = "{self.rehearsal_timeout()}"

[[provider]]
name          = "bind"
type          = "rfc2136"
server        = "127.0.0.1:{self.bind_port}"
tsig_key_file = "{self.named.key_file}"

{self.extra_providers()}
[[zone]]
name           = "{ZONE}"
providers      = {self.zone_providers()}
verify_servers = {self.verify_servers()}

[[target]]
name         = "vendor-a"
vendor       = "vendor-a"
cname        = "{A_TARGET}"
healthy_when = "all"

  [[target.probe]]
  name   = "a1"
  region = "region-1"
  type   = "http"
  url    = "{e['a1'].url}"
  expect_status = [200]
  expect_body   = "ok"

  [[target.probe]]
  name    = "a2"
  region  = "region-2"
  type    = "tcp"
  address = "127.0.0.1:{e['a2'].port}"

[[target]]
name         = "vendor-b"
vendor       = "vendor-b"
cname        = "{B_TARGET}"
healthy_when = "any"

  [[target.probe]]
  name   = "b1"
  region = "region-1"
  type   = "http"
  url    = "{e['b1'].url}"

  [[target.probe]]
  name   = "b2"
  region = "region-2"
  type   = "http"
  url    = "{e['b2'].url}"

{"".join(self.record(name, failback_after) for name in self.names)}"""

    def record(self, name, failback_after):
        return f"""
[[record]]
name           = "{name.rstrip('.')}"
zone           = "{ZONE}"
ttl            = 60
targets        = ["vendor-a", "vendor-b"]
failover_on    = "{self.failover_on}"
failback       = "auto"
failback_after = "{failback_after}"
"""

    def rehearsal_timeout(self):
        """20 s, or less than a shorter interval (a timeout must be shorter than the interval)."""
        interval = self.rehearsal_interval
        if interval.endswith("s") and not interval.endswith("ms") and 0 < int(interval[:-1]) <= 20:
            return f"{int(interval[:-1]) * 3 // 4}s"
        return "20s"

    def canaries(self):
        """The local-network guard's canaries, c1 (tcp) and c2 (http), when the world has them."""
        if "c1" not in self.endpoints:
            return ""
        return (f'canaries = ["tcp://127.0.0.1:{self.endpoints["c1"].port}", '
                f'"{self.endpoints["c2"].url}"]')

    def extra_providers(self):
        extra = self.api.config() if self.api else ""
        if not self.pdns:
            return extra
        return extra + f"""[[provider]]
name         = "pdns"
type         = "powerdns"
api_url      = "http://127.0.0.1:{self.pdns_api_port}"
api_key_file = "{self.pdns.key_file}"
"""

    def zone_providers(self):
        names = ["bind"] + (["pdns"] if self.pdns else [])
        names += ["cloudflare", "route53", "alidns"] if self.api else []
        return "[" + ", ".join(f'"{n}"' for n in names) + "]"

    def verify_servers(self):
        servers = [f'"127.0.0.1:{self.named.port}"']
        if self.pdns:
            servers.append(f'"127.0.0.1:{self.pdns.port}"')
        return "[" + ", ".join(servers) + "]"

    def http_get(self, path):
        import urllib.error
        import urllib.request
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}{path}",
                                        timeout=2) as reply:
                return reply.status, reply.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def ctl(self, *args, user=None, group=None, groups=()):
        """Runs planbctl against this world's planbd; USER (a uid) runs it as someone else, with
        GROUP (a gid; USER's number unless given) as its primary group and GROUPS (gids) as its
        only supplementary ones."""
        planbctl = os.path.join(os.path.dirname(self.planbd.binary), "planbctl")
        command = [planbctl, "--socket", os.path.join(self.dir, "admin.sock"), *args]
        if user is not None:
            supplementary = ([f"--groups={','.join(str(g) for g in groups)}"] if groups
                             else ["--clear-groups"])
            command = ["setpriv", f"--reuid={user}",
                       f"--regid={user if group is None else group}", *supplementary, *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=30)

    def wait_verdicts(self):
        self.planbd.wait_log(r"every target has a verdict", 10)

    def stop_vendor(self, prefix):
        for name, endpoint in self.endpoints.items():
            if name.startswith(prefix):
                endpoint.stop()

    def start_vendor(self, prefix):
        for name, endpoint in self.endpoints.items():
            if name.startswith(prefix):
                endpoint.start()

    def tsig_secret(self):
        return re.search(r'secret "([^"]+)"', open(self.named.key_file).read()).group(1)

    def secrets(self):
        found = [self.tsig_secret()]
        if self.pdns:
            found.append(self.pdns.api_key)
            found.append(open(self.pdns.key_file).read().strip())
        if self.api:
            found += list(self.api.secrets.values())
        return found

    def assert_no_secret_in(self, what, text):
        for secret in self.secrets():
            assert secret not in text, f"a secret appears in {what}"

    def close(self):
        code = None
        try:
            code = self.planbd.stop()
            self.assert_no_secret_in("planbd's log", self.planbd.log(since_start=False))
            for name in os.listdir(self.state_dir) if os.path.isdir(self.state_dir) else []:
                self.assert_no_secret_in(name, open(os.path.join(self.state_dir, name)).read())
        finally:
            for endpoint in self.endpoints.values():
                endpoint.stop()
            self.named.stop()
            if self.pdns:
                self.pdns.stop()
            if self.api:
                self.api.stop()
            if self.failed:
                print("---- planbd log ----")
                print(self.planbd.log(since_start=False))
                print(f"(files kept in {self.dir})")
            else:
                shutil.rmtree(self.dir, ignore_errors=True)
        return code


def run_scenario(scenario, run, world):
    """Runs one scenario in WORLD, closes it, and requires planbd to have stopped cleanly."""
    try:
        run(world)
    except BaseException:
        world.failed = True
        raise
    finally:
        code = world.close()
    assert code == 0, f"planbd exited {code} on SIGTERM"
    print(f"{scenario}: passed")
