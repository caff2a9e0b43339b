"""The demo world: named + vendor A and B endpoints + planbd, narrated in the terminal."""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from world import A_TARGET, B_TARGET, World  # noqa: E402


def say(text):
    print(f"\033[1m[demo {time.strftime('%H:%M:%S')}] {text}\033[0m", flush=True)


def follow(world, stop):
    """Prints planbd's log lines as they come."""
    seen = 0
    while not stop.is_set():
        text = world.planbd.log(since_start=False)
        for line in text[seen:].splitlines():
            print(f"  planbd | {line}", flush=True)
        seen = len(text)
        time.sleep(0.2)


def wait_answer(world, target, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if world.named.cname() == target:
            return True
        time.sleep(0.1)
    return False


def main():
    world = World(sys.argv[1], failback_after="5s", hold_down="2s", resync="10s")
    stop = threading.Event()
    threading.Thread(target=follow, args=(world, stop), daemon=True).start()
    try:
        say(f"named on 127.0.0.1:{world.named.port} serves www.example.test CNAME {world.named.cname()}")
        say("planbd probes vendor A (a1 http, a2 tcp) and vendor B (b1, b2 http) every 500 ms")
        world.wait_verdicts()
        time.sleep(2)
        say("stopping every endpoint of vendor A: a global vendor outage")
        started = time.monotonic()
        world.stop_vendor("a")
        if wait_answer(world, B_TARGET, 10):
            say(f"named now answers {B_TARGET} — failover took {time.monotonic() - started:.1f}s")
        else:
            say("failover did not happen within 10s; see the log above")
        time.sleep(3)
        say("vendor A is back; planbd fails back after it stays healthy for failback_after = 5s")
        world.start_vendor("a")
        if wait_answer(world, A_TARGET, 15):
            say(f"named answers {A_TARGET} again")
        say("planbd keeps running; press Ctrl-C to stop the demo")
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        print()
    finally:
        stop.set()
        say("stopping planbd, named and the endpoints")
        code = world.close()
        say(f"planbd exited with {code}")


if __name__ == "__main__":
    main()
