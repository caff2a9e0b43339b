"""Asking a DNS server on loopback which CNAME a name has, straight over UDP (no dig process per
question): one name at a time, or many at once on one socket.

Python standard library only."""

import random
import socket
import struct
import time

CNAME = 5


def question(qid, name):
    """A non-recursive CNAME query for NAME with id QID."""
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split(".")) + b"\0"
    return struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + qname + struct.pack(">HH", CNAME, 1)


def query(server_port, name, sock):
    """The CNAME target `name` has at 127.0.0.1:server_port (non-recursive), or None."""
    qid = random.randrange(65536)
    sock.sendto(question(qid, name), ("127.0.0.1", server_port))
    deadline = time.monotonic() + 0.5
    while True:
        sock.settimeout(max(0.001, deadline - time.monotonic()))
        try:
            data = sock.recv(4096)
        except (socket.timeout, BlockingIOError):
            return None
        if len(data) >= 12 and struct.unpack(">H", data[:2])[0] == qid:
            return cname_in(data)


def cnames(server_port, names, timeout=1.0, received=None, window=64):
    """{name: its CNAME target or None} for every name of NAMES (at most 65,536), asked on one
    socket with at most WINDOW questions in flight: a burst of a thousand would overflow the
    server's socket buffer and lose answers, which then cost the whole TIMEOUT. A name whose answer
    is lost within TIMEOUT maps to None. RECEIVED, a dict, gets each answered name's
    time.monotonic() at its answer's arrival."""
    names = list(names)
    found = {name: None for name in names}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.bind(("127.0.0.1", 0))
        to_send = list(range(len(names)))
        to_send.reverse()
        waiting = set()
        deadline = time.monotonic() + timeout
        while to_send or waiting:
            while to_send and len(waiting) < window:
                qid = to_send.pop()
                waiting.add(qid)
                sock.sendto(question(qid, names[qid]), ("127.0.0.1", server_port))
            sock.settimeout(max(0.001, deadline - time.monotonic()))
            try:
                data = sock.recv(4096)
            except (socket.timeout, BlockingIOError):
                break
            qid = struct.unpack(">H", data[:2])[0] if len(data) >= 12 else None
            if qid in waiting:
                waiting.discard(qid)
                found[names[qid]] = cname_in(data)
                if received is not None:
                    received[names[qid]] = time.monotonic()
    return found


def cname_in(data):
    """The CNAME target in the answer section of reply DATA, or None (an error, no answer)."""
    _, flags, _, an, _, _ = struct.unpack(">HHHHHH", data[:12])
    if flags & 0xF or an == 0:
        return None
    pos = skip_name(data, 12) + 4
    for _ in range(an):
        pos = skip_name(data, pos)
        rtype, _, _, length = struct.unpack(">HHIH", data[pos:pos + 10])
        pos += 10
        if rtype == CNAME:
            return read_name(data, pos)
        pos += length
    return None


def skip_name(data, pos):
    while True:
        n = data[pos]
        if n == 0:
            return pos + 1
        if n & 0xC0 == 0xC0:
            return pos + 2
        pos += n + 1


def read_name(data, pos):
    labels = []
    for _ in range(128):
        n = data[pos]
        if n == 0:
            break
        if n & 0xC0 == 0xC0:
            pos = ((n & 0x3F) << 8) | data[pos + 1]
            continue
        labels.append(data[pos + 1:pos + 1 + n].decode().lower())
        pos += n + 1
    return ".".join(labels) + "."
