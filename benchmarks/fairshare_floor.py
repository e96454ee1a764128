"""A floor for any pure-Python engine of this model, as a whole process: the leanest fair-share
loop that writes what a run's trace must hold at least. Read the jobs (job_id, submit_time,
backend, duration, tenant) from a CSV file; on each backend run one job at a time, the queued
job of the tenant with the lowest usage / share first (R3 with all-time usage: no window, no
sessions, batches, lanes, limits or validation); write each job's start and end, and the events
trace (submitted, started, completed: three rows a job, with a short reason) as CSV. Standard
library only: heapq, no SimPy.

    python benchmarks/fairshare_floor.py jobs_in.csv jobs_out.csv events_out.csv SHARES_JSON
"""

import csv
import heapq
import json
import sys
from collections import deque
from itertools import count

ARRIVE, END, DISPATCH = 0, 1, 2


def main(src: str, dst: str, events_dst: str, shares: dict) -> None:
    with open(src, newline="") as f:
        rows = csv.reader(f)
        next(rows)
        jobs = [(r[0], float(r[1]), r[2], float(r[3]), r[4]) for r in rows]
    eid = count()
    heap = [(sub, 1, next(eid), ARRIVE, job) for job in jobs for sub in (job[1],)]
    heapq.heapify(heap)
    queues: dict = {}            # backend -> tenant -> FIFO of jobs
    busy: dict = {}
    usage = dict.fromkeys(shares, 0.0)
    events, done = [], []
    while heap:
        now, _, _, kind, x = heapq.heappop(heap)
        if kind == ARRIVE:
            jid, sub, b, d, t = x
            queues.setdefault(b, {}).setdefault(t, deque()).append(x)
            events.append((now, b, "job_submitted", jid, t, "waits in the fair-share queue"))
            if not busy.get(b):
                heapq.heappush(heap, (now, 4, next(eid), DISPATCH, b))
        elif kind == END:
            jid, sub, b, d, t, start = x
            busy[b] = False
            usage[t] += d
            events.append((now, b, "job_completed", jid, t, f"ran {d:g} s"))
            done.append((jid, sub, start, now))
            heapq.heappush(heap, (now, 4, next(eid), DISPATCH, b))
        elif not busy.get(b := x):
            best = None
            for t, q in queues.get(b, {}).items():
                if q:
                    r = usage[t] / shares[t]
                    if best is None or r < best[0] or (r == best[0] and q[0][1] < best[1][1]):
                        best = (r, q[0], t)
            if best is None:
                continue
            jid, sub, b, d, t = queues[b][best[2]].popleft()
            busy[b] = True
            events.append((now, b, "job_started", jid, t, f"fair share: {t} at {best[0]:.6g}"))
            heapq.heappush(heap, (now + d, 0, next(eid), END, (jid, sub, b, d, t, now)))
    with open(dst, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["job_id", "submit_time", "start_time", "end_time"])
        out.writerows(done)
    with open(events_dst, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["time", "backend", "event", "job_id", "tenant", "detail"])
        out.writerows(events)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4]))
