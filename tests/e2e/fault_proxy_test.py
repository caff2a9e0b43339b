"""The fault proxy's own test: each mode, request counting over keep-alive and chunked bodies,
and an upstream that is down.

usage: fault_proxy_test.py"""

import http.client
import http.server
import socket
import socketserver
import struct
import threading
import time

from fault_proxy import DnsMessageLog, FaultProxy


class KeepAlive(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as libcurl speaks to the PowerDNS API

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding") == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                self.rfile.read(size + 2)
                if not size:
                    break
        else:
            self.rfile.read(length)
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PATCH = do_POST = answer

    def log_message(self, *args):
        pass


class DnsOverTcp(socketserver.BaseRequestHandler):
    """Answers each length-prefixed message with itself, its QR bit set."""

    def handle(self):
        while True:
            head = self.request.recv(2, socket.MSG_WAITALL)
            if len(head) < 2:
                return
            message = self.request.recv(struct.unpack(">H", head)[0], socket.MSG_WAITALL)
            reply = message[:2] + bytes([message[2] | 0x80]) + message[3:]
            self.request.sendall(struct.pack(">H", len(reply)) + reply)


def dns_message(opcode, name):
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".") if p) + b"\0"
    return (struct.pack(">HBBHHHH", 7, opcode << 3, 0, 1, 0, 0, 0) + qname +
            struct.pack(">HH", 6, 1))


def dns_messages_are_logged_with_their_opcode():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), DnsOverTcp)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy = FaultProxy(server.server_address[1], name="dns", protocol="dns").start()
    try:
        query, update = dns_message(0, "www.example.test."), dns_message(5, "example.test.")
        stream = b"".join(struct.pack(">H", len(m)) + m for m in (query, update))
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=2) as client:
            client.sendall(stream)
            answered = b""
            while len(answered) < len(stream):
                answered += client.recv(4096)
        seen = [(r["method"], r["path"]) for r in proxy.requests()]
        assert seen == [("QUERY", "www.example.test."), ("UPDATE", "example.test.")], seen
    finally:
        proxy.stop()
        server.shutdown()
        server.server_close()
    # A message cut across reads, down to single bytes, is still one message.
    reported = []
    log = DnsMessageLog(lambda method, path: reported.append((method, path)) or {})
    for i in range(len(stream)):
        log.feed(stream[i:i + 1])
    assert reported == seen, reported


def fails(what, call, expected):
    try:
        call()
    except expected:
        return
    raise AssertionError(f"{what} did not fail with {expected}")


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy = FaultProxy(server.server_address[1], name="test").start()
    try:
        client = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=2)

        def call(method, path, **kw):
            client.request(method, path, **kw)
            reply = client.getresponse()
            reply.read()
            return reply.status

        assert call("GET", "/one") == 200
        assert call("PATCH", "/zones/example.test.", body=b'{"rrsets":[]}') == 200
        assert call("POST", "/chunked", body=iter([b"abc", b"def"]), encode_chunked=True,
                    headers={"Transfer-Encoding": "chunked"}) == 200
        assert call("GET", "/two") == 200
        seen = [(r["method"], r["path"], r["body"]) for r in proxy.requests()]
        assert seen == [("GET", "/one", b""), ("PATCH", "/zones/example.test.", b'{"rrsets":[]}'),
                        ("POST", "/chunked", b"abcdef"), ("GET", "/two", b"")], seen
        assert proxy.stats()["connections"] == 1, proxy.stats()  # all four on one connection
        mark = time.monotonic()
        assert len(proxy.requests("PATCH")) == 1 and not proxy.requests("PATCH", since=mark)

        # blackhole: the open connection and a new one both go unanswered.
        proxy.set_mode("blackhole")
        fails("a blackholed keep-alive request", lambda: call("GET", "/bh"), TimeoutError)
        fresh = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=0.5)
        fails("a blackholed new connection", lambda: (fresh.request("GET", "/bh2"),
                                                      fresh.getresponse()), TimeoutError)
        assert [r["mode"] for r in proxy.requests(since=mark)] == ["blackhole", "blackhole"]

        # refuse: reset at once.
        proxy.set_mode("refuse")
        refused = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=2)
        started = time.monotonic()
        fails("a refused connection", lambda: (refused.request("GET", "/r"),
                                               refused.getresponse()), ConnectionResetError)
        assert time.monotonic() - started < 1
        assert proxy.stats()["refused"] >= 1

        # delay: each chunk waits.
        proxy.set_mode("delay", 200)
        slow = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=3)
        started = time.monotonic()
        slow.request("GET", "/slow")
        assert slow.getresponse().status == 200
        took = time.monotonic() - started
        assert 0.4 <= took < 2, took  # one chunk each way

        # blackhole_paths: a request to a silenced path goes unanswered (its connection with it);
        # other paths pass, on a new connection.
        proxy.set_mode("blackhole_paths", paths=["/v3/lease/keepalive"])
        mark = time.monotonic()
        quiet = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=0.5)
        quiet.request("POST", "/v3/kv/txn", body=b"{}")
        assert quiet.getresponse().read() is not None
        fails("a silenced path", lambda: (quiet.request("POST", "/v3/lease/keepalive", body=b"{}"),
                                          quiet.getresponse()), TimeoutError)
        other = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=2)
        other.request("POST", "/v3/kv/txn", body=b"{}")
        assert other.getresponse().status == 200
        assert [(r["path"], r["mode"]) for r in proxy.requests(since=mark)] == [
            ("/v3/kv/txn", "pass"), ("/v3/lease/keepalive", "blackhole"),
            ("/v3/kv/txn", "pass")], proxy.requests(since=mark)

        # pass again; then the upstream goes away: a new connection is reset, not held.
        proxy.set_mode("pass")
        again = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=2)
        again.request("GET", "/again")
        assert again.getresponse().status == 200
        server.shutdown()
        server.server_close()
        gone = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=2)
        fails("a connection to a stopped upstream", lambda: (gone.request("GET", "/gone"),
                                                             gone.getresponse()),
              (ConnectionResetError, http.client.RemoteDisconnected))
        assert proxy.stats()["upstream_failures"] == 1, proxy.stats()
    finally:
        proxy.stop()
    dns_messages_are_logged_with_their_opcode()
    print("fault proxy: passed")


if __name__ == "__main__":
    main()
