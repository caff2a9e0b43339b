"""Faults the Python API fakes inject on command: one vocabulary and one mechanism for all of them.

Python 3 standard library only. A fake keeps one FaultControl in its state (used under the fake's
own lock), answers its control endpoints with FaultControl.control() and, per API request, takes
the fault due with FaultControl.take() and renders it the way its API would fail.

Control endpoints (no auth; tests only), JSON in and out:
  POST   /_fake/throttle   {"count", "retry_after"?}  the next COUNT API requests are throttled
  POST   /_fake/fail       {"count", "status"?}       the next COUNT API requests get a server error
  POST   /_fake/malformed  {"count", "status"?}       the next COUNT API requests get a broken body
          (each of these three replaces what is pending of its kind; a count of 0 heals it)
  POST   /_fake/faults     {"kind", "count"?: 1, "operation"?, "retry_after"?, "status"?}
                           queues COUNT faults of KIND, for requests to OPERATION only when given
  DELETE /_fake/faults     forgets every fault still pending (a provider that heals)
  POST   /_fake/revoke     the credentials stop working until the fake is given new ones
Kinds: "throttle", "server_error", "malformed", and those a fake adds (Route 53's
"prior_request"). Options other than "kind" and "count" are kept on the fault for the fake to
read (fault.get("retry_after"), fault.get("status")).
"""

BASE_KINDS = ("throttle", "server_error", "malformed")

# The endpoints that replace what is pending of one kind, and that kind.
_SET_ENDPOINTS = {"throttle": "throttle", "fail": "server_error", "malformed": "malformed"}


class FaultControl:
    def __init__(self, extra_kinds=()):
        self.kinds = BASE_KINDS + tuple(extra_kinds)
        self.reset()

    def reset(self):
        """No fault pending and the credentials valid, as at start."""
        self.pending = []  # armed faults, oldest first: {"kind", "remaining", options...}
        self.revoked = False

    def arm(self, kind, count=1, **options):
        """Queues COUNT faults of KIND behind those already pending."""
        if kind not in self.kinds:
            raise ValueError("unknown fault kind %s" % kind)
        self.pending.append(dict(options, kind=kind, remaining=int(count)))

    def replace(self, kind, count, **options):
        """Makes COUNT faults of KIND the only ones of that kind pending."""
        self.pending = [f for f in self.pending if f["kind"] != kind]
        self.arm(kind, count, **options)

    def clear(self):
        self.pending = []

    def take(self, kinds=None, operation=None):
        """The fault this API request meets, with one of its count spent; None when none is due.

        With KINDS, only those kinds, and the first kind listed wins whatever the order they were
        armed in; without, the oldest pending fault of any kind. A fault armed for an operation
        meets only requests to that operation."""
        due = [f for f in self.pending
               if f["remaining"] > 0 and f.get("operation") in (None, operation)]
        if kinds is not None:
            due = [f for kind in kinds for f in due if f["kind"] == kind]
        if not due:
            return None
        fault = due[0]
        fault["remaining"] -= 1
        return fault

    def control(self, method, path, body):
        """Answers a fault control endpoint: (status, JSON reply), or None when PATH is not one."""
        name = path[len("/_fake/"):] if path.startswith("/_fake/") else None
        try:
            if name in _SET_ENDPOINTS and method == "POST":
                options = {k: v for k, v in body.items() if k != "count"}
                self.replace(_SET_ENDPOINTS[name], body.get("count", 1), **options)
            elif name == "faults" and method == "POST":
                options = {k: v for k, v in body.items() if k not in ("kind", "count")}
                self.arm(body["kind"], body.get("count", 1), **options)
            elif name == "faults" and method == "DELETE":
                self.clear()
            elif name == "revoke" and method == "POST":
                self.revoked = True
            else:
                return None
        except (KeyError, ValueError, TypeError) as e:
            return 400, {"error": "%s: %s" % (type(e).__name__, e)}
        return 200, {"ok": True}
