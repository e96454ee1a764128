"""The jobs API with a session id: run in a session, reconnect to it by id, fetch jobs by id.

Only the import line differs from a script for IBM Quantum; the original reads:
    from qiskit_ibm_runtime import QiskitRuntimeService, Session, SamplerV2 as Sampler
Run from the repository root: python examples/jobs_api_session_id.py
"""

from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager

from engine.runtime import QiskitRuntimeService, Session, SamplerV2 as Sampler

service = QiskitRuntimeService()
backend = service.backend("qpu_eagle")

bell = QuantumCircuit(2)
bell.h(0)
bell.cx(0, 1)
bell.measure_all()
isa_circuit = generate_preset_pass_manager(backend=backend, optimization_level=1).run(bell)

session = Session(backend=backend, max_time="25m")
sampler = Sampler(mode=session)
job = sampler.run([isa_circuit])
print(f"job {job.job_id()} in session {job.session_id}: {job.status()}")
session_id = job.session_id
print(f"counts: {job.result()[0].data.meas.get_counts()}")

# Later, perhaps from another part of the program: reconnect to the session by its id.
session = Session.from_id(session_id=session_id, service=service)
sampler = Sampler(mode=session)
second = sampler.run([isa_circuit], shots=1000)

retrieved = service.job(second.job_id())
print(f"retrieved {retrieved.job_id()}: {retrieved.result()[0].data.meas.get_counts()}")
details = session.details()
print(f"session {details['id']}: state {details['state']}, started at {details['started_at']}, "
      f"usage {details['usage_time']:.1f} s")
session.close()
print(f"after close(): {session.status()}")
