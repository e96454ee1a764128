"""The minimal SimPy model a command line is compared with, as a whole process: read the jobs
(job_id, submit_time, backend, duration) from a CSV file, run them first-in first-out on one
SimPy ``Resource`` per backend (a process per job), write each job's start and end to a CSV
file. Standard library and SimPy only: the leanest version of such a script.

    python benchmarks/fifo_model.py jobs_in.csv jobs_out.csv
"""

import csv
import sys

import simpy


def main(src: str, dst: str) -> None:
    with open(src, newline="") as f:
        rows = csv.reader(f)
        next(rows)
        jobs = [(r[0], float(r[1]), r[2], float(r[3])) for r in rows]
    env = simpy.Environment()
    resources: dict = {}
    done = []

    def job(jid, resource, submit, duration):
        with resource.request() as req:
            yield req
            start = env.now
            yield env.timeout(duration)
            done.append((jid, submit, start, env.now))

    def source():
        for jid, submit, backend, duration in jobs:
            if submit > env.now:
                yield env.timeout(submit - env.now)
            resource = resources.get(backend)
            if resource is None:
                resource = resources[backend] = simpy.Resource(env, capacity=1)
            env.process(job(jid, resource, submit, duration))

    env.process(source())
    env.run()
    with open(dst, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["job_id", "submit_time", "start_time", "end_time"])
        out.writerows(done)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
