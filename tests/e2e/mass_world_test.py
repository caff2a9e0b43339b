"""The mass failover's own arithmetic: the window counts and the ceiling check it asserts with.

usage: mass_world_test.py"""

from mass_world import beyond_ceiling, is_write, max_in_window


def a_bucket_kept_to_is_never_beyond_it():
    steady = [i / 4 for i in range(40)]  # exactly 4 a second
    assert max_in_window(steady, 1.0) == 4
    assert beyond_ceiling(steady, 4, 1) == []
    # Cloudflare's shape: 1,200 at once, then 4 a second
    burst = [i / 1000 for i in range(1200)] + [1.2 + i / 4 for i in range(100)]
    assert beyond_ceiling(burst, 1200 / 300, 1200) == []


def requests_a_little_late_are_within_the_jitter_allowed():
    late = [0.0, 0.25 + 0.2, 0.5, 0.75, 1.0]  # the second reached the meter 0.2 s late
    assert beyond_ceiling(late, 4, 1) == []


def a_faster_sender_is_beyond_its_ceiling():
    flood = [i / 1200 for i in range(1200)]  # the conflict flood of issue 14
    assert len(beyond_ceiling(flood, 5, 1)) > 1100
    slightly = [i * 0.15 for i in range(50)]  # 6.7 a second against 5
    assert beyond_ceiling(slightly, 5, 1)
    too_many = [i / 1000 for i in range(1300)]
    assert len(beyond_ceiling(too_many, 1200 / 300, 1200)) >= 90
    assert max_in_window(too_many, 300) == 1300


def writes_are_told_from_reads():
    assert is_write("bind", {"method": "UPDATE", "path": "example.test.", "body": b""})
    assert not is_write("bind", {"method": "QUERY", "path": "www.example.test.", "body": b""})
    assert is_write("pdns", {"method": "PATCH", "path": "/api/v1/servers/localhost/zones/x",
                             "body": b""})
    assert not is_write("route53", {"method": "GET", "path": "/2013-04-01/change/C1", "body": b""})
    assert is_write("alidns", {"method": "POST", "path": "/",
                               "body": b"AccessKeyId=k&Action=UpdateDomainRecord&RR=www"})
    assert not is_write("alidns", {"method": "GET", "path": "/?Action=DescribeSubDomainRecords",
                                   "body": b""})


def main():
    a_bucket_kept_to_is_never_beyond_it()
    requests_a_little_late_are_within_the_jitter_allowed()
    a_faster_sender_is_beyond_its_ceiling()
    writes_are_told_from_reads()
    print("mass world arithmetic: passed")


if __name__ == "__main__":
    main()
