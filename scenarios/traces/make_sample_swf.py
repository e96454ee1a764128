"""Writes sample.swf, the small trace Session Lab ships for trace replay (deterministic).

Four users on two partitions over an hour: users 1 and 2 submit independent jobs, user 3 runs
an interactive chain of 6 dependent jobs (field 17 names the preceding job, field 18 the think
time), user 4 a chain of 3. Job 5 has no run time (its requested time is used); job 9 has
neither and is skipped. Run: python scenarios/traces/make_sample_swf.py
"""

from pathlib import Path

import numpy as np

HEADER = """; Version: 2.2
; Computer: Session Lab sample QPU pool (2 partitions)
; Installation: written by scenarios/traces/make_sample_swf.py
; MaxJobs: {n}
; MaxRecords: {n}
; UnixStartTime: 0
; Note: fields: job submit wait run procs cpu mem req_procs req_time req_mem status user group
;       executable queue partition preceding_job think_time
"""


def rows():
    rng = np.random.default_rng(2026)
    out = []
    number = 0

    def add(submit, run, user, group, part, req=None, prev=-1, think=-1):
        nonlocal number
        number += 1
        req = req if req is not None else (run * 2 if run > 0 else -1)
        out.append([number, int(submit), -1, run, 1, -1, -1, 1, req, -1, 1, user, group,
                    1, 1, part, prev, think])
        return number

    t = 0.0
    for _ in range(24):  # users 1 and 2: independent jobs
        t += float(rng.exponential(120))
        add(t, int(rng.integers(10, 90)), int(rng.integers(1, 3)), 1, int(rng.integers(1, 3)))
    out[4][3] = -1           # job 5: run time unknown, requested time 120 s used
    out[4][8] = 120
    out[8][3] = -1           # job 9: neither known: skipped
    out[8][8] = -1
    for user, start, steps, part in ((3, 600, 6, 1), (4, 1500, 3, 2)):
        prev, t = -1, float(start)
        for _ in range(steps):
            run = int(rng.integers(5, 20))
            think = int(rng.integers(10, 40)) if prev > 0 else -1
            prev = add(t, run, user, 2, part, prev=prev, think=think)
            t += run + int(rng.integers(10, 40))
    out.sort(key=lambda r: (r[1], r[0]))
    return out


if __name__ == "__main__":
    data = rows()
    text = HEADER.format(n=len(data)) + "".join(" ".join(str(v) for v in r) + "\n" for r in data)
    path = Path(__file__).with_name("sample.swf")
    path.write_text(text)
    print(f"wrote {path} ({len(data)} jobs)")
