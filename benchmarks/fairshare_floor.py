"""A lean reference for the command line, as a whole process: the leanest fair-share loop we
could write in pure Python that writes a trace. Read the jobs (job_id, submit_time, backend,
duration, tenant) from a CSV file; on each backend run one job at a time, the queued job of the
tenant with the lowest usage / share first (R3 with all-time usage: a tenant's finished jobs and
its running ones so far, on every backend; ties by submit time, then submission order); write
each job's start and end, and the events trace (submitted, started, completed: three rows a
job, with a short reason) as CSV. No sessions, batches, lanes, limits, usage window, validation,
metrics or other tables. Standard library only: heapq, no SimPy.

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
        # (job_id, submit, backend, duration, tenant, submission order)
        jobs = [(r[0], float(r[1]), r[2], float(r[3]), r[4], i) for i, r in enumerate(rows)]
    eid = count()
    heap = [(job[1], 1, next(eid), ARRIVE, job) for job in jobs]
    heapq.heapify(heap)
    queues: dict = {}            # backend -> tenant -> FIFO of jobs
    busy: dict = {}
    # A tenant's usage at t: done[t] + running[t] * t - starts[t] (its running jobs so far).
    done_usage = dict.fromkeys(shares, 0.0)
    running = dict.fromkeys(shares, 0)
    starts = dict.fromkeys(shares, 0.0)
    events, finished = [], []
    while heap:
        now, _, _, kind, x = heapq.heappop(heap)
        if kind == ARRIVE:
            jid, sub, b, d, t, seq = x
            queues.setdefault(b, {}).setdefault(t, deque()).append(x)
            events.append((now, b, "job_submitted", jid, t, "waits in the fair-share queue"))
            if not busy.get(b):
                heapq.heappush(heap, (now, 4, next(eid), DISPATCH, b))
        elif kind == END:
            jid, sub, b, d, t, start = x
            busy[b] = False
            running[t] -= 1
            starts[t] -= start
            done_usage[t] += now - start
            events.append((now, b, "job_completed", jid, t, f"ran {d:g} s"))
            finished.append((jid, sub, start, now))
            heapq.heappush(heap, (now, 4, next(eid), DISPATCH, b))
        elif not busy.get(b := x):
            best = None
            for t, q in queues.get(b, {}).items():
                if q:
                    key = ((done_usage[t] + running[t] * now - starts[t]) / shares[t],
                           q[0][1], q[0][5])
                    if best is None or key < best[0]:
                        best = (key, t)
            if best is None:
                continue
            jid, sub, b, d, t, seq = queues[b][best[1]].popleft()
            busy[b] = True
            running[t] += 1
            starts[t] += now
            events.append((now, b, "job_started", jid, t, f"fair share: {t} at {best[0][0]:.6g}"))
            heapq.heappush(heap, (now + d, 0, next(eid), END, (jid, sub, b, d, t, now)))
    with open(dst, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["job_id", "submit_time", "start_time", "end_time"])
        out.writerows(finished)
    with open(events_dst, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["time", "backend", "event", "job_id", "tenant", "detail"])
        out.writerows(events)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4]))
