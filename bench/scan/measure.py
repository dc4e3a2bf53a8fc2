#!/usr/bin/env python3
"""Run a command N times; print the first run's time (cold), the median of
the others (warm) and the largest peak RSS, as JSON.

Each child's own peak RSS comes from os.wait4, so one big run does not hide
the others. The exit status must be one of --ok (default 0 and 1: both
scanners exit 1 when they find vulnerabilities).

Usage: measure.py [--runs N] [--ok 0,1] -- CMD ARGS...
"""
import json
import os
import statistics
import subprocess
import sys
import time


def main(argv):
    runs, ok = 6, {0, 1}
    while argv and argv[0] != "--":
        if argv[0] == "--runs":
            runs = int(argv[1])
            argv = argv[2:]
        elif argv[0] == "--ok":
            ok = {int(x) for x in argv[1].split(",")}
            argv = argv[2:]
        else:
            sys.exit(__doc__)
    cmd = argv[1:]
    times, rss = [], []
    for _ in range(runs):
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in ok:
            sys.exit(f"{' '.join(cmd)}: exit status {code}")
        times.append(elapsed * 1000)
        rss.append(usage.ru_maxrss / 1024)  # KiB on Linux → MiB
    warm = times[1:] or times
    print(json.dumps({
        "cold_ms": round(times[0], 1),
        "warm_ms": round(statistics.median(warm), 1),
        "peak_rss_mib": round(max(rss), 1),
        "runs": runs,
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
