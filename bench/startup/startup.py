#!/usr/bin/env python3
"""Start-up of whole processes, interleaved, and GODEBUG=inittrace=1.

    startup.py time RUNS LABEL=CMD...   each command once per round, RUNS
                                        rounds after one discarded: median
                                        [min-max] of wall and CPU
                                        (user+sys, from wait4), minor page
                                        faults, and the load average
    startup.py init RUNS CMD...         the command's package initialisers
                                        under GODEBUG=inittrace=1, RUNS
                                        times: their count, the median sum of
                                        their clock time, the bytes and
                                        allocations (the same every run, so
                                        the steadiest figure on a shared
                                        machine) and the slowest ones

Commands run with stdout and stderr discarded; an exit status other than 0
or 1 stops the run.
"""
import collections
import os
import re
import shlex
import statistics
import subprocess
import sys
import time


def run(cmd, env=None):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE if env else subprocess.DEVNULL, env=env)
    err = p.stderr.read().decode() if env else ""
    _, status, usage = os.wait4(p.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        sys.exit(f"{shlex.join(cmd)}: exit status {os.waitstatus_to_exitcode(status)}")
    return usage, err


def span(xs, fmt="%.1f"):
    return (fmt + " [" + fmt + "–" + fmt + "]") % (statistics.median(xs), min(xs), max(xs))


def time_cmds(runs, specs):
    cmds = [(label, shlex.split(cmd)) for label, cmd in (s.split("=", 1) for s in specs)]
    res = {label: ([], [], []) for label, _ in cmds}
    load = [os.getloadavg()[0]]
    for i in range(runs + 1):
        for label, cmd in cmds:
            start = time.perf_counter()
            usage, _ = run(cmd)
            wall = (time.perf_counter() - start) * 1000
            if i == 0:
                continue  # the first round fills the page cache
            res[label][0].append(wall)
            res[label][1].append((usage.ru_utime + usage.ru_stime) * 1000)
            res[label][2].append(usage.ru_minflt)
    load.append(os.getloadavg()[0])
    print("| command | wall ms | CPU ms | minor faults |")
    print("|---|---|---|---|")
    for label, (wall, cpu, flt) in res.items():
        print(f"| {label} | {span(wall)} | {span(cpu)} | {statistics.median(flt):.0f} |")
    print(f"\n{runs} rounds, load average {load[0]:.1f} → {load[1]:.1f}")


def init_trace(runs, cmd):
    env = dict(os.environ, GODEBUG="inittrace=1")
    clock = collections.defaultdict(list)
    allocs, sums = {}, []
    for _ in range(runs):
        _, err = run(cmd, env)
        total = 0.0
        for m in re.finditer(r"^init (\S+) @\S+ ms, ([\d.]+) ms clock, (\d+) bytes, (\d+) allocs", err, re.M):
            clock[m[1]].append(float(m[2]))
            allocs[m[1]] = (int(m[3]), int(m[4]))
            total += float(m[2])
        sums.append(total)
    med = {k: statistics.median(v) for k, v in clock.items()}
    print(f"{shlex.join(cmd)}: {len(med)} initialisers, sum {span(sums)} ms over {runs} runs, "
          f"{sum(b for b, _ in allocs.values()):,} bytes in {sum(a for _, a in allocs.values()):,} allocations, "
          f"{sum(1 for v in med.values() if v > 0.5)} above 0.5 ms (median)")
    print("| package | ms (median) | allocations |")
    print("|---|---|---|")
    for k in sorted(med, key=lambda k: -med[k])[:15]:
        print(f"| {k} | {med[k]:.2f} | {allocs[k][1]:,} |")


def main(argv):
    if len(argv) < 3 or argv[0] not in ("time", "init"):
        sys.exit(__doc__)
    if argv[0] == "time":
        time_cmds(int(argv[1]), argv[2:])
    else:
        init_trace(int(argv[1]), argv[2:])


if __name__ == "__main__":
    main(sys.argv[1:])
