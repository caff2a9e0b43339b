"""A TCP fault proxy on 127.0.0.1 for end-to-end tests (the kernel here has no netem).

It listens on a port and forwards every connection to an upstream host:port. Its mode can be
changed at any moment and applies to connections already open as well as to new ones:

  pass       forward both ways
  blackhole  accept, read and discard, never answer, hold the connection open (a peer that went
             silent: the client times out); data already on its way back is dropped too
  refuse     accept, then close at once with a TCP RST (SO_LINGER 0); switching to it resets every
             open connection
  delay      forward, waiting N ms before each chunk (either way)
  reply      never reach the upstream: answer whatever the client sends with responder(data) (a
             canned HTTP 503, 429 or broken JSON; a DNS-over-TCP SERVFAIL or garbage), then close
  blackhole_paths
             forward, except that an HTTP request whose path is one of `paths` (set_mode(...,
             paths=[...])) is never forwarded: its connection turns into a blackhole from that
             request on (e.g. etcd's /v3/lease/keepalive silenced while /v3/kv/txn still passes)

It counts connections and keeps a log of the HTTP requests it sees from client to server (request
line, monotonic timestamp, the mode they met and the first bytes of their body), parsed over
keep-alive connections too, so a test can count e.g. the PATCH requests one client made. With
protocol="dns" it logs DNS-over-TCP messages instead (RFC 1035 §4.2.2 length-prefixed): "method"
is the opcode (QUERY, UPDATE, ...) and "path" the first question's (or zone's) name.

In-process use:

    proxy = FaultProxy(upstream_port=8081).start()
    url = f"http://127.0.0.1:{proxy.port}/"
    proxy.set_mode("blackhole"); ...; proxy.set_mode("pass")
    patches = proxy.requests("PATCH", since=mark)
    proxy.stop()

Standalone: fault_proxy.py --upstream 127.0.0.1:8081 [--listen PORT]; then type modes on stdin
("blackhole", "delay 200", "pass", "refuse", "requests", "quit").

Python standard library only."""

import argparse
import re
import selectors
import socket
import struct
import sys
import threading
import time

MODES = ("pass", "blackhole", "refuse", "delay", "reply", "blackhole_paths")
REQUEST_LINE = re.compile(rb"^([A-Z]{3,10}) (\S+) HTTP/\d\.\d$")
BODY_KEPT = 1024  # bytes of each request's body kept in the log


def reset(sock):
    """Closes SOCK with a RST instead of a FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class HttpRequestLog:
    """Follows one client-to-server byte stream as a sequence of HTTP/1.x requests (Content-Length
    or chunked bodies) and reports each request as it is seen. A stream that does not start like
    HTTP is ignored from then on (a TCP probe, say)."""

    def __init__(self, report):
        self.report = report  # report(method, path) -> entry dict (the body is added to it later)
        self.buffer = b""
        self.state = "head"   # head | body | chunk-size | chunk-data | trailer | not-http
        self.left = 0         # body or chunk bytes still to come
        self.entry = None

    def feed(self, data):
        if self.state == "not-http":
            return
        self.buffer += data
        while self.step():
            pass

    def keep_body(self, data):
        if self.entry is not None and len(self.entry["body"]) < BODY_KEPT:
            self.entry["body"] += data[:BODY_KEPT - len(self.entry["body"])]

    def step(self):
        if self.state == "head":
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                first = self.buffer.split(b"\r\n", 1)[0]
                if len(self.buffer) > 65536 or (b"\r\n" in self.buffer
                                                 and not REQUEST_LINE.match(first)):
                    self.state = "not-http"
                return False
            head, self.buffer = self.buffer[:end], self.buffer[end + 4:]
            lines = head.split(b"\r\n")
            match = REQUEST_LINE.match(lines[0])
            if not match:
                self.state = "not-http"
                return False
            self.entry = self.report(match.group(1).decode(), match.group(2).decode("latin-1"))
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
                self.state = "chunk-size"
            else:
                self.left = int(headers.get(b"content-length", b"0") or 0)
                self.state = "body" if self.left else "head"
            return True
        if self.state == "body":
            taken = self.buffer[:self.left]
            self.keep_body(taken)
            self.buffer = self.buffer[len(taken):]
            self.left -= len(taken)
            if self.left:
                return False
            self.state = "head"
            return True
        if self.state == "chunk-size":
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return False
            size = int(self.buffer[:end].split(b";")[0].strip() or b"0", 16)
            self.buffer = self.buffer[end + 2:]
            self.left, self.state = (size + 2, "chunk-data") if size else (0, "trailer")
            return True
        if self.state == "chunk-data":
            taken = self.buffer[:self.left]
            self.keep_body(taken[:max(0, self.left - 2)])
            self.buffer = self.buffer[len(taken):]
            self.left -= len(taken)
            if self.left:
                return False
            self.state = "chunk-size"
            return True
        if self.state == "trailer":
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return False
            line, self.buffer = self.buffer[:end], self.buffer[end + 2:]
            if not line:
                self.state = "head"
            return True
        return False


DNS_OPCODES = {0: "QUERY", 1: "IQUERY", 2: "STATUS", 4: "NOTIFY", 5: "UPDATE"}


class DnsMessageLog:
    """Follows one client-to-server DNS-over-TCP stream (each message preceded by its two-byte
    length) and reports each message as it is seen: report(opcode name, first question name)."""

    def __init__(self, report):
        self.report = report
        self.buffer = b""

    def feed(self, data):
        self.buffer += data
        while len(self.buffer) >= 2:
            length = struct.unpack(">H", self.buffer[:2])[0]
            if len(self.buffer) < 2 + length:
                return
            message, self.buffer = self.buffer[2:2 + length], self.buffer[2 + length:]
            opcode = (message[2] >> 3) & 0xF if len(message) >= 12 else -1
            entry = self.report(DNS_OPCODES.get(opcode, f"OPCODE{opcode}"), self.name(message))
            entry["body"] = message[:BODY_KEPT]

    @staticmethod
    def name(message):
        """The first question's name, dotted, or "" when the message has none or is cut."""
        labels, pos = [], 12
        if len(message) < 12 or struct.unpack(">H", message[4:6])[0] == 0:
            return ""
        while pos < len(message) and message[pos] != 0 and message[pos] < 64:
            labels.append(message[pos + 1:pos + 1 + message[pos]].decode("latin-1"))
            pos += message[pos] + 1
        return ".".join(labels) + "."


class FaultProxy:
    """One listening port forwarding to UPSTREAM_HOST:UPSTREAM_PORT, with a mode set at run time."""

    def __init__(self, upstream_port, upstream_host="127.0.0.1", port=0, name=None,
                 mode="pass", delay_ms=0, protocol="http"):
        self.upstream = (upstream_host, upstream_port)
        self.request_log = {"http": HttpRequestLog, "dns": DnsMessageLog}[protocol]
        self.requested_port = port
        self.name = name or f"proxy->{upstream_host}:{upstream_port}"
        self.mode = mode
        self.delay_ms = delay_ms
        self.responder = None    # reply mode: bytes from the client -> bytes answered
        self.paths = ()          # blackhole_paths mode: request paths never forwarded
        self.lock = threading.Lock()
        self.log = []            # one dict per HTTP request seen, in order
        self.connections = 0     # accepted
        self.refused = 0         # of which reset at once (refuse mode)
        self.upstream_failures = 0
        self.open = {}           # id -> _Connection
        self.listener = None
        self.thread = None
        self.stopping = False
        self.port = None
        self._next_id = 0

    # ---- control ----

    def start(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.requested_port))
        listener.listen(128)
        listener.settimeout(0.1)
        self.listener = listener
        self.port = listener.getsockname()[1]
        self.stopping = False
        self.thread = threading.Thread(target=self._accept_loop, name=self.name, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.stopping = True
        if self.thread:
            self.thread.join(5)
            self.thread = None
        if self.listener:
            self.listener.close()
            self.listener = None
        with self.lock:
            connections = list(self.open.values())
        for connection in connections:
            connection.kill(rst=False)
        for connection in connections:
            connection.thread.join(5)

    def set_mode(self, mode, delay_ms=None, responder=None, paths=None):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}: one of {', '.join(MODES)}")
        if mode == "reply" and responder is None:
            raise ValueError("reply mode needs a responder")
        if mode == "blackhole_paths" and not paths:
            raise ValueError("blackhole_paths mode needs paths")
        with self.lock:
            self.mode = mode
            if paths is not None:
                self.paths = tuple(paths)
            if delay_ms is not None:
                self.delay_ms = delay_ms
            if responder is not None:
                self.responder = responder
            connections = list(self.open.values()) if mode == "refuse" else []
        for connection in connections:
            connection.kill(rst=True)

    def requests(self, method=None, since=None):
        """The requests seen (dicts: t, method, path, mode, connection, body), oldest first;
        only METHOD's, only those seen at or after the monotonic time SINCE."""
        with self.lock:
            return [dict(e) for e in self.log
                    if (method is None or e["method"] == method)
                    and (since is None or e["t"] >= since)]

    def stats(self):
        with self.lock:
            return {"mode": self.mode, "connections": self.connections, "refused": self.refused,
                    "open": len(self.open), "upstream_failures": self.upstream_failures,
                    "requests": len(self.log)}

    def describe(self):
        """A summary for a failed test's output."""
        lines = [f"{self.name} (127.0.0.1:{self.port} -> {self.upstream[0]}:{self.upstream[1]}): "
                 f"{self.stats()}"]
        for e in self.requests():
            body = e["body"][:160].decode("utf-8", "replace")
            lines.append(f"  {e['t']:.3f} {e['method']} {e['path']} [{e['mode']}] {body}")
        return "\n".join(lines)

    # ---- internals ----

    def _accept_loop(self):
        while not self.stopping:
            try:
                client, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                if self.stopping:
                    return
                continue
            with self.lock:
                self.connections += 1
                mode = self.mode
                if mode == "refuse":
                    self.refused += 1
            if mode == "refuse":
                reset(client)
                continue
            with self.lock:
                self._next_id += 1
                connection = _Connection(self, self._next_id, client,
                                         connect=mode not in ("blackhole", "reply"))
                self.open[connection.id] = connection
            connection.thread.start()

    def _report(self, connection_id, method, path, holed=False):
        mode = self.mode
        if mode == "blackhole_paths":
            mode = "blackhole" if holed or path in self.paths else "pass"
        entry = {"t": time.monotonic(), "method": method, "path": path, "mode": mode,
                 "connection": connection_id, "body": b""}
        with self.lock:
            self.log.append(entry)
        return entry

    def _closed(self, connection):
        with self.lock:
            self.open.pop(connection.id, None)


class _Connection:
    """One proxied connection, served by one thread over both of its sockets."""

    def __init__(self, proxy, connection_id, client, connect):
        self.proxy = proxy
        self.id = connection_id
        self.client = client
        self.upstream = None
        self.connect = connect  # False: opened in blackhole mode, never reaches the upstream
        self.killed = None      # None, or "rst" / "close": set by the proxy, acted on by the thread
        self.holed = False      # blackhole_paths: a request to a silenced path was seen
        self.parser = proxy.request_log(self._request)
        self.thread = threading.Thread(target=self.run, name=f"{proxy.name}#{connection_id}",
                                       daemon=True)

    def kill(self, rst):
        self.killed = "rst" if rst else "close"

    def _request(self, method, path):
        if self.proxy.mode == "blackhole_paths" and path in self.proxy.paths:
            self.holed = True
        return self.proxy._report(self.id, method, path, self.holed)

    def run(self):
        try:
            self.serve()
        finally:
            if self.killed == "rst":
                reset(self.client)
            else:
                try:
                    self.client.close()
                except OSError:
                    pass
            if self.upstream is not None:
                try:
                    self.upstream.close()
                except OSError:
                    pass
            self.proxy._closed(self)

    def serve(self):
        # Reads happen only once select() says so; the timeout bounds a send to a peer that stopped
        # reading.
        self.client.settimeout(5)
        if self.connect:
            try:
                self.upstream = socket.create_connection(self.proxy.upstream, timeout=2)
                self.upstream.settimeout(5)
            except OSError:
                # The upstream is down: the client sees its connection reset, at once.
                with self.proxy.lock:
                    self.proxy.upstream_failures += 1
                self.killed = "rst"
                return
        selector = selectors.DefaultSelector()
        selector.register(self.client, selectors.EVENT_READ, "client")
        if self.upstream is not None:
            selector.register(self.upstream, selectors.EVENT_READ, "upstream")
        client_open, upstream_open = True, self.upstream is not None
        try:
            while client_open or upstream_open:
                if self.killed or self.proxy.stopping:
                    self.killed = self.killed or "close"
                    return
                for key, _ in selector.select(timeout=0.05):
                    side = key.data
                    source = self.client if side == "client" else self.upstream
                    try:
                        data = source.recv(65536)
                    except (ConnectionResetError, OSError):
                        # One side reset: reset the other too.
                        self.killed = "rst"
                        return
                    if not data:
                        selector.unregister(source)
                        if side == "client":
                            client_open = False
                            if self.upstream is None:
                                return
                            self.half_close(self.upstream)
                        else:
                            upstream_open = False
                            self.half_close(self.client)
                        continue
                    if side == "client":
                        self.parser.feed(data)
                    mode, delay = self.proxy.mode, self.proxy.delay_ms
                    if mode == "reply":
                        if side == "client":
                            try:
                                self.client.sendall(self.proxy.responder(data))
                            except OSError:
                                pass
                            self.killed = "close"
                            return
                        continue  # the upstream's late answers are dropped
                    if mode == "blackhole" or self.upstream is None or self.holed:
                        continue  # read and discarded: never answered, never forwarded
                    if mode == "delay" and delay:
                        time.sleep(delay / 1000.0)
                    sink = self.upstream if side == "client" else self.client
                    try:
                        sink.sendall(data)
                    except OSError:
                        self.killed = "rst"
                        return
        finally:
            selector.close()

    @staticmethod
    def half_close(sock):
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--upstream", required=True, help="HOST:PORT")
    parser.add_argument("--listen", type=int, default=0, help="port on 127.0.0.1 (0: any)")
    parser.add_argument("--mode", default="pass", choices=MODES)
    parser.add_argument("--delay-ms", type=int, default=0)
    args = parser.parse_args()
    host, _, port = args.upstream.rpartition(":")
    proxy = FaultProxy(int(port), host or "127.0.0.1", args.listen, mode=args.mode,
                       delay_ms=args.delay_ms).start()
    print(f"listening on 127.0.0.1:{proxy.port}", flush=True)
    try:
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            if words[0] == "quit":
                break
            if words[0] == "requests":
                print(proxy.describe(), flush=True)
                continue
            try:
                proxy.set_mode(words[0], int(words[1]) if len(words) > 1 else None)
                print(f"mode {proxy.mode}", flush=True)
            except ValueError as e:
                print(e, flush=True)
    finally:
        proxy.stop()


if __name__ == "__main__":
    main()
