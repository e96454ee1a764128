"""Hostile scenario files through the real command line: refused in one line, nothing leaked.

Every case of ``tests/hostile/MANIFEST.tsv`` runs as ``python -m engine simulate CASE --out out
--quiet`` in a child process whose working folder is the case's own temporary folder
(``tmp/case/``), with ``PYTHONPATH`` at the repository root and ``SESSION_LAB_STORE`` under the
test's temporary folder. Each case must:

- exit with status 2, print nothing on standard output, and print exactly one line on standard
  error: ``error: KEY = VALUE: message`` or ``error: KEY: message``, where KEY starts with the key
  the manifest names (``backends[0].basis_gates`` accepts ``backends[0].basis_gates[4]``);
- show no ``Traceback`` anywhere;
- write nothing: no ``--out`` folder, no new file in the case folder or beside it (a run store,
  ``pwned``...);
- leak no secret: the harness writes a random secret to ``tmp/secret.txt`` (outside the case
  folder), to token files inside it, into trace and QASM files, and into the child's environment
  (``/proc/self/environ``); neither the secret nor the first line of ``/etc/passwd`` may appear in
  the output.

Bounds: the child runs under ``RLIMIT_AS`` = 2 GiB (address space) and ``RLIMIT_CPU`` = 60 s, both
set in ``preexec_fn``; ``subprocess.run`` kills it after 60 s of wall time; the test then asserts
it finished within 20 s of wall time. A case that blocks (a FIFO), eats memory (``/dev/zero``,
an alias bomb) or spins therefore fails in bounded time instead of hanging the suite.

The manifest (tab-separated: file, key, setup, description) documents the setup actions run in
the case folder after the case file is copied: ``fifo NAME``, ``symlink NAME TARGET``,
``dir NAME``, ``sparse NAME BYTES``, ``token NAME`` (a file holding only the secret),
``secret-line NAME PREFIX SUFFIX`` (PREFIX, the secret, SUFFIX; ``\\n`` is a newline) and
``generate NAME KIND`` (large files not committed: see ``GENERATORS``). A companion file
``STEM--NAME`` beside case ``STEM.EXT`` is copied into the case folder as ``NAME``. The
placeholder ``@SECRET_ABS@`` in a case or companion file becomes the absolute path of
``tmp/secret.txt``.
"""

from __future__ import annotations

import json
import os
import re
import resource
import secrets
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]          # the repository (worktree) root
CORPUS = ROOT / "tests" / "hostile"
MANIFEST = CORPUS / "MANIFEST.tsv"

ADDRESS_SPACE = 2 * 1024 ** 3    # RLIMIT_AS of the child, bytes
CPU_SECONDS = 60                 # RLIMIT_CPU of the child
WALL_TIMEOUT = 60                # subprocess.run kills the child after this
WALL_BUDGET = 20                 # the test asserts the child finished within this
MIN_CASES = 70
MAX_COMMITTED_BYTES = 10 * 1024  # each committed case and companion file stays below this
PLACEHOLDER = b"@SECRET_ABS@"
SECRET_ENV = "SESSION_LAB_TEST_TOKEN"

MIB = 1024 * 1024
MINIMAL = ("name: x\nbackends: [{name: qpu_a}]\ntenants: [{name: alice}]\n"
           "jobs: [{id: j1, tenant: alice, backend: qpu_a, submit: 0, duration: 10}]\n")
MINIMAL_DICT = {"name": "x", "backends": [{"name": "qpu_a"}], "tenants": [{"name": "alice"}],
                "jobs": [{"id": "j1", "tenant": "alice", "backend": "qpu_a", "submit": 0,
                          "duration": 10}]}


def _huge_yaml() -> bytes:
    """A valid minimal scenario padded with comment lines to 17 MiB (the limit is 16 MiB)."""
    line = b"# padding " + b"x" * 117 + b"\n"        # 128 bytes
    return MINIMAL.encode() + line * (17 * MIB // len(line) + 1)


def _huge_json() -> bytes:
    doc = dict(MINIMAL_DICT, description="x" * (17 * MIB))
    return json.dumps(doc).encode()


def _deep_yaml() -> bytes:
    return (MINIMAL + "deep: " + "[" * 10_000 + "]" * 10_000 + "\n").encode()


def _deep_yaml_map() -> bytes:
    return (MINIMAL + "deep: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n").encode()


def _deep_json() -> bytes:
    text = json.dumps(MINIMAL_DICT)
    return (text[:-1] + ', "deep": ' + "[" * 10_000 + "]" * 10_000 + "}\n").encode()


def _long_id() -> bytes:
    return ("name: x\nbackends: [{name: qpu_a}]\ntenants: [{name: alice}]\n"
            f"jobs: [{{id: {'j' * 10_000}, tenant: alice, backend: qpu_a, submit: 0, "
            "duration: 10}]\n").encode()


def _csv_big_field() -> bytes:
    """A jobs.csv trace whose tenant field is 200 KB (the csv module's limit is 128 KiB)."""
    return ("job_id,tenant,backend,submit_time,duration,session_id,max_execution_time\n"
            f"1,{'a' * 200_000},qpu_a,0,10,,\n").encode()


GENERATORS = {
    "huge-yaml": _huge_yaml,
    "huge-json": _huge_json,
    "deep-yaml": _deep_yaml,
    "deep-yaml-map": _deep_yaml_map,
    "deep-json": _deep_json,
    "long-id": _long_id,
    "csv-big-field": _csv_big_field,
}
ACTIONS = {"fifo": 1, "symlink": 2, "dir": 1, "sparse": 2, "token": 1, "secret-line": 3,
           "generate": 2}


@dataclass(frozen=True)
class Case:
    file: str
    key: str
    setup: tuple[tuple[str, ...], ...]
    description: str

    def companions(self) -> list[Path]:
        stem = self.file.rsplit(".", 1)[0]
        return sorted(CORPUS.glob(f"{glob_escape(stem)}--*"))


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def read_manifest() -> list[Case]:
    cases = []
    for line in MANIFEST.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("file\t"):
            continue
        fields = line.split("\t")
        assert len(fields) == 4, f"manifest row needs 4 tab-separated fields: {line!r}"
        file, key, setup, description = fields
        actions = () if setup.strip() == "-" else tuple(
            tuple(shlex.split(part)) for part in setup.split(" && "))
        cases.append(Case(file, key, actions, description))
    return cases


CASES = read_manifest()

# For the file cases, refused for the right reason (not because a file read by mistake happened
# not to parse): the words the message must hold, by case name prefix.
REASONS = {
    "qasm-abs-": "outside the scenario's folder", "qasm-dotdot": "outside the scenario's folder",
    "qasm-proc-environ": "outside the scenario's folder",
    "qasm-symlink-": "outside the scenario's folder",
    "qasm-dev-zero": "outside the scenario's folder",
    "qasm-fifo": "not a regular file", "qasm-dir": "a folder", "qasm-missing": "no such file",
    "qasm-sparse-": "the limit is", "qasm-token": "not an OpenQASM program",
    "qasm-include-": "includes another file",
    "trace-abs-": "outside the scenario's folder", "trace-dotdot": "outside the scenario's folder",
    "trace-proc-environ": "outside the scenario's folder",
    "trace-symlink-": "outside the scenario's folder",
    "trace-dev-zero": "outside the scenario's folder",
    "trace-fifo": "not a regular file", "trace-dir": "a folder", "trace-missing": "no such file",
    "trace-sparse-": "the limit is",
}


def reason_for(file: str):
    return next((words for prefix, words in REASONS.items() if file.startswith(prefix)), None)


# --------------------------------------------------------------------------- the harness


def _child_limits() -> None:  # runs in the child between fork and exec
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def _inside(case_dir: Path, name: str) -> Path:
    """A setup NAME is a plain relative path inside the case folder."""
    assert name and not os.path.isabs(name) and ".." not in Path(name).parts, name
    return case_dir / name


def _setup(case_dir: Path, action: tuple[str, ...], secret: str) -> None:
    verb, args = action[0], action[1:]
    assert ACTIONS.get(verb) == len(args), f"bad setup action {action!r}"
    path = _inside(case_dir, args[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        path.unlink()
    if verb == "fifo":
        os.mkfifo(path)
    elif verb == "symlink":
        os.symlink(args[1], path)
    elif verb == "dir":
        path.mkdir()
    elif verb == "sparse":
        with open(path, "wb") as f:
            f.truncate(int(args[1]))
    elif verb == "token":
        path.write_text(secret + "\n", encoding="utf-8")
    elif verb == "secret-line":
        prefix, suffix = (a.replace("\\n", "\n") for a in args[1:])
        path.write_text(prefix + secret + suffix, encoding="utf-8")
    elif verb == "generate":
        path.write_bytes(GENERATORS[args[1]]())


@dataclass
class Outcome:
    returncode: int | None      # None: killed at the wall-clock timeout
    stdout: str
    stderr: str
    seconds: float


def _text(data) -> str:
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def run_cli(case_dir: Path, case_file: str, tmp: Path, secret: str) -> Outcome:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SESSION_LAB_DASK", "PYTHONSTARTUP", "PYTHONHOME")}
    env.update(PYTHONPATH=str(ROOT), SESSION_LAB_STORE=str(tmp / "store.sqlite"),
               **{SECRET_ENV: secret})
    cmd = [sys.executable, "-m", "engine", "simulate", case_file, "--out", "out", "--quiet"]
    t0 = time.monotonic()
    try:
        r = subprocess.run(cmd, cwd=case_dir, env=env, capture_output=True, text=True,
                           errors="replace", stdin=subprocess.DEVNULL,
                           preexec_fn=_child_limits, timeout=WALL_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        return Outcome(None, _text(exc.stdout), _text(exc.stderr), time.monotonic() - t0)
    return Outcome(r.returncode, r.stdout, r.stderr, time.monotonic() - t0)


def prepare(case: Case, tmp: Path) -> tuple[Path, str]:
    """The case folder (case file, companions, setup done) and the secret planted around it."""
    # Shaped like a real token (ghp_...): lower case, so a QASM parser reads it as one
    # identifier and would quote it whole in its message, if anything let it.
    secret = "ghp_" + secrets.token_hex(16)
    secret_file = tmp / "secret.txt"
    secret_file.write_text(secret + "\n", encoding="utf-8")
    case_dir = tmp / "case"
    case_dir.mkdir()
    stem = case.file.rsplit(".", 1)[0]
    for src in [CORPUS / case.file] + case.companions():
        name = case.file if src.name == case.file else src.name[len(stem) + 2:]
        data = src.read_bytes().replace(PLACEHOLDER, str(secret_file.resolve()).encode())
        (case_dir / name).write_bytes(data)
    for action in case.setup:
        _setup(case_dir, action, secret)
    return case_dir, secret


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _forbidden(secret: str) -> list[str]:
    words = [secret, secret.removeprefix("ghp_")]
    try:
        first = Path("/etc/passwd").read_text().splitlines()[0]
        words.append(first)
    except (OSError, IndexError):
        pass
    return words


LINE = re.compile(r"error: (?P<rest>.*)")
# What may follow the expected key: more of the key (.sub or [i]), then " = VALUE: msg" or ": msg".
AFTER_KEY = re.compile(r"(?:[.\[]\S*?)?(?: = .+)?: \S.*")


def check_error_line(stderr: str, key: str) -> str | None:
    """None when stderr is one line ``error: KEY...``; else what is wrong."""
    lines = stderr.splitlines()
    if len(lines) != 1:
        return f"stderr has {len(lines)} lines, not 1"
    m = LINE.fullmatch(lines[0])
    if m is None:
        return "stderr does not start with 'error: '"
    rest = m["rest"]
    if not rest.startswith(key):
        return f"the key is not {key!r}..."
    if AFTER_KEY.fullmatch(rest[len(key):]) is None:
        return f"after the key {key!r}: neither ' = VALUE: message' nor ': message'"
    return None


def _short(text: str, n: int = 240) -> str:
    text = text.strip()
    first = text.splitlines()[0] if text else ""
    if "Traceback" in text:
        first = text.splitlines()[-1] + "  [after a Traceback]"
    return first if len(first) <= n else first[:n - 3] + "..."


# --------------------------------------------------------------------------- the tests


def test_the_corpus_holds_enough_cases_and_every_row_has_its_file():
    assert len(CASES) >= MIN_CASES, f"only {len(CASES)} cases"
    files = [c.file for c in CASES]
    assert len(files) == len(set(files)), "a case file is listed twice"
    owned = {MANIFEST.name}
    for case in CASES:
        assert (CORPUS / case.file).is_file(), f"{case.file}: listed but missing"
        assert case.key and case.description, case.file
        for action in case.setup:
            assert ACTIONS.get(action[0]) == len(action) - 1, f"{case.file}: {action!r}"
            if action[0] == "generate":
                assert action[2] in GENERATORS, f"{case.file}: {action!r}"
        owned.add(case.file)
        owned.update(p.name for p in case.companions())
    for path in CORPUS.iterdir():
        assert path.name in owned, f"{path.name}: neither a case, a companion nor the manifest"
        if path.name != MANIFEST.name:
            assert path.stat().st_size < MAX_COMMITTED_BYTES, f"{path.name} is too large to commit"


def test_the_harness_runs_a_valid_minimal_scenario(tmp_path):
    """The same harness and limits pass a good scenario: exit 0 and jobs.csv written."""
    # Shaped like a real token (ghp_...): lower case, so a QASM parser reads it as one
    # identifier and would quote it whole in its message, if anything let it.
    secret = "ghp_" + secrets.token_hex(16)
    (tmp_path / "secret.txt").write_text(secret + "\n")
    case_dir = tmp_path / "case"
    case_dir.mkdir()
    (case_dir / "valid.yaml").write_text(MINIMAL)
    _setup(case_dir, ("token", "apikey.txt"), secret)
    r = run_cli(case_dir, "valid.yaml", tmp_path, secret)
    assert r.returncode == 0, r.stderr
    assert r.seconds < WALL_BUDGET
    assert "Traceback" not in r.stdout + r.stderr
    assert not any(w in r.stdout + r.stderr for w in _forbidden(secret))
    assert (case_dir / "out" / "jobs.csv").is_file()
    assert "j1" in (case_dir / "out" / "jobs.csv").read_text()


def test_the_error_line_check_accepts_and_refuses_what_it_should():
    ok = [("error: jobs[0].submit = -5.0: must be >= 0", "jobs[0].submit"),
          ("error: backends[0].basis_gates[4] = 'frob': unknown gate", "backends[0].basis_gates"),
          ("error: (file) = 'line 3 column 1': not valid YAML: x", "(file)"),
          ("error: backends: required key is missing", "backends"),
          ("error: workloads[0].count = 1e13: too many jobs", "workloads[0]")]
    for line, key in ok:
        assert check_error_line(line + "\n", key) is None, line
    bad = [("error: jobs[10].id = 'x': dup", "jobs[1]"),
           ("error: jobs[0].submit = 1\nmore\n", "jobs[0].submit"),
           ("jobs[0].submit = 1: bad", "jobs[0].submit"),
           ("error: jobs[0].submit", "jobs[0].submit"),
           ("error: name = 'x': ", "name")]
    for line, key in bad:
        assert check_error_line(line, key) is not None, line


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_hostile_scenario_is_refused_in_one_line(case, tmp_path):
    case_dir, secret = prepare(case, tmp_path)
    before_case, before_tmp = _listing(case_dir), set(os.listdir(tmp_path))
    r = run_cli(case_dir, case.file, tmp_path, secret)
    out = r.stdout + r.stderr
    problems = []
    if r.returncode is None:
        problems.append(f"killed after {WALL_TIMEOUT} s of wall time")
    elif r.seconds > WALL_BUDGET:
        problems.append(f"took {r.seconds:.1f} s (budget {WALL_BUDGET} s)")
    if r.returncode is not None and r.returncode != 2:
        problems.append(f"exit status {r.returncode}, not 2")
    if "Traceback" in out:
        problems.append("a Traceback")
    leaked = [w for w in _forbidden(secret) if w in out]
    if leaked:
        problems.append("LEAKED " + ("the secret" if secret in out or leaked[0] in secret
                                     else "/etc/passwd"))
    if r.stdout:
        problems.append(f"stdout not empty ({len(r.stdout)} chars)")
    bad_line = check_error_line(r.stderr, case.key)
    if bad_line:
        problems.append(bad_line)
    reason = reason_for(case.file)
    if reason is not None and reason not in r.stderr:
        problems.append(f"the message does not say {reason!r}")
    if (case_dir / "out").exists():
        problems.append("the --out folder was created")
    new = sorted((_listing(case_dir) - before_case) | (set(os.listdir(tmp_path)) - before_tmp))
    if new:
        problems.append(f"wrote {', '.join(new[:5])}")
        for name in new:  # say so when what was written (wrongly) also holds the secret
            path = case_dir / name
            if path.is_file() and not path.is_symlink() and path.stat().st_size < 64 * MIB \
                    and secret.encode() in path.read_bytes():
                problems.append(f"LEAKED the secret into {name}")
    shown = _short(r.stderr or r.stdout)
    for w in _forbidden(secret):
        shown = shown.replace(w, "<SECRET>")
    assert not problems, (f"{case.file} ({case.description}); expected key {case.key!r}: "
                          f"{'; '.join(problems)}. stderr: {shown}")
