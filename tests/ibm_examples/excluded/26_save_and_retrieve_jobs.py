"""Source: Qiskit/documentation docs/guides/save-jobs.ipynb (commit 00dd8d9cd898ffe17f7c2f19cb77b54cbc9ee513)
Sections "Retrieve jobs from IBM Quantum" (`service.jobs(created_after=...)`, `service.job(job_id)`) and
"Save results to disk" (RuntimeEncoder / RuntimeDecoder).

Cells used, in order: all code cells, including the final hidden clean-up cell (remove-cell) that
deletes result.json.

Note: as published, the second cell needs a DONE job already in the account ("This will not work if
you've never successfully run a job.") and compares `j.status().name == "DONE"`. Kept as written.

Changes:
- (a) import lines: `from qiskit_ibm_runtime import QiskitRuntimeService`,
  `from qiskit_ibm_runtime import RuntimeEncoder` and `from qiskit_ibm_runtime import RuntimeDecoder`
  -> `from engine.runtime import ...` with the same names.
- (c) cells joined in the guide's order.
- (d) the cells whose last line is a bare expression that the notebook displays
  (`jobs_in_last_three_months[:3]`, `retrieved_job.result()`, `result`) have it wrapped in print(...).
"""

import datetime
from engine.runtime import QiskitRuntimeService

three_months_ago = datetime.datetime.now() - datetime.timedelta(days=90)

service = QiskitRuntimeService()
jobs_in_last_three_months = service.jobs(created_after=three_months_ago)
print(jobs_in_last_three_months[:3])  # show first three jobs

# Get ID of most recent successful job for demonstration.
# This will not work if you've never successfully run a job.
successful_job = next(j for j in service.jobs() if j.status().name == "DONE")
job_id = successful_job.job_id()
print(job_id)

retrieved_job = service.job(job_id)
print(retrieved_job.result())

import json
from engine.runtime import RuntimeEncoder
with open("result.json", "w") as file:
    json.dump(retrieved_job.result(), file, cls=RuntimeEncoder)

from engine.runtime import RuntimeDecoder
with open("result.json", "r") as file:
    result = json.load(file, cls=RuntimeDecoder)

print(result)

# Cleanup the file we created (this cell should be hidden from the user)
import pathlib
pathlib.Path('result.json').unlink()
