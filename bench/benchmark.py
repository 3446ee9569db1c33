"""Benchmark fastmcp-lint against the LibCST parse floor, Fixit and mcp-server-lint on real source.

Downloads the sdists of `mcp` and `fastmcp` from PyPI (cached), then times, in one process and
alternately over chunks of files: the bare `libcst.parse_module` over every file, and
fastmcp-lint cold with every built-in rule,
and, for reference, Fixit (subprocess, default rules, mcp's `src/`) and ruff if available.
Then, through the command line on a copy of the corpus: cold with one worker and with all,
warm (cache on, nothing changed), one changed file in a 1,000-file project (the pre-commit
case: the middle file, and the middle of the modules with async functions outside tests,
whose calls the project index must resolve), peak memory on half and all of the corpus, and
whether every way of running gives the same JSON report.

Second corpus: the published sdists of a few public FastMCP servers (cached the same way),
each linted cold from its root as a user would, by fastmcp-lint with its default jobs and
with one worker, and by mcp-server-lint (`mcp-doctor`): wall time, CPU time (user + system of
every process) and peak RSS of each, and the ratios, per server and in total.

The tools compared with (Fixit, mcp-server-lint) are installed by the benchmark itself, once,
into a venv of their own in the corpus cache, never into this project's environment
(`--no-compare` skips them: then Fixit runs only if this interpreter can import it).

    python bench/benchmark.py [--corpus DIR] [--limit N] [--json] [--no-cli]
                              [--no-compare] [--servers-only | --no-servers] [--repeat N]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import libcst

PACKAGES = (("mcp", "2.3.0"), ("fastmcp", "4.1.6"))
#: Public FastMCP servers as published on PyPI (their sdists carry their tests, as a checkout
#: does), from the largest: mcp-atlassian is the 290-file tree of issue 16's comparison.
SERVERS = (
    ("mcp-atlassian", "0.23.1"),
    ("awslabs.dynamodb-mcp-server", "2.1.8"),
    ("awslabs.ecs-mcp-server", "0.1.37"),
    ("mcp-clickhouse", "0.7.0"),
    ("mcp-server-motherduck", "1.1.0"),
    ("redis-mcp-server", "0.5.1"),
    ("mcp-server-qdrant", "0.8.1"),
    ("chroma-mcp", "0.2.6"),
)
#: The tools compared with, pinned, in a venv of their own (never this project's dependencies).
COMPARE_TOOLS = ("fixit==2.2.1", "mcp-server-lint==0.35.7")
DEFAULT_CORPUS = Path(tempfile.gettempdir()) / "fastmcp-lint-bench-corpus"
#: Fixit checks 2-3 files a second on a quiet 2-core machine, mcp's src/ has 132 files.
FIXIT_TIMEOUT = 900.0
SERVER_TIMEOUT = 600.0
#: The corpus is mostly the packages' tests, which a run skips by default: command-line runs
#: lint every file, so their figures measure the same work as the in-process run.
EVERY_FILE = ("--include-tests",)
RUFF_TIMEOUT = 300.0


@dataclass
class Row:
    """One measured tool: the table row and the JSON object are the same data."""

    name: str
    files: int
    lines: int
    seconds: float | None
    note: str = ""
    cpu_seconds: float | None = None
    peak_rss_mib: float | None = None

    @property
    def files_per_second(self) -> float | None:
        """Throughput, None when the tool did not run."""
        if not self.seconds:
            return None
        return self.files / self.seconds


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; the corpus lives outside the repo unless told otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help=f"download/extract cache (default {DEFAULT_CORPUS})")
    parser.add_argument("--limit", type=int, default=None,
                        help="use only the first N files (sorted) of the library corpus, "
                             "for a quick run")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--no-cli", action="store_true",
                        help="skip the command-line scenarios (workers, cache, memory)")
    parser.add_argument("--no-compare", action="store_true",
                        help="don't install or run Fixit and mcp-server-lint (by default they "
                             "are installed once into a venv in the corpus cache)")
    part = parser.add_mutually_exclusive_group()
    part.add_argument("--servers-only", action="store_true",
                      help="measure only the server corpus against mcp-server-lint")
    part.add_argument("--no-servers", action="store_true",
                      help="skip the server corpus")
    parser.add_argument("--repeat", type=int, default=1,
                        help="server corpus: runs of each tool per tree, alternating; the "
                             "fastest is kept (default 1)")
    return parser.parse_args(argv)


def canonical_name(name: str) -> str:
    """A distribution name as PyPI compares it: sdists are named `awslabs_x_y-1.0.tar.gz`
    for `awslabs.x-y`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pip_download(name: str, spec: str, dest: Path) -> bool:
    """Fetch one sdist; try without build isolation first because it is much faster. Only the
    package itself must be an sdist: its build backend may come as a wheel (some can't be
    built here, maturin needs the network to crates.io)."""
    base = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", name,
            "-q", "-d", str(dest)]
    for extra in (["--no-build-isolation"], []):
        done = subprocess.run([*base, *extra, spec], capture_output=True, text=True)
        if done.returncode == 0:
            return True
    return False


def find_sdist(dest: Path, name: str, version: str | None) -> Path | None:
    """The newest cached sdist of a package (of one version if given), so reruns are offline."""
    found = []
    for path in dest.iterdir() if dest.is_dir() else ():
        match = sdist_name_version(path.name)
        if match and match[0] == canonical_name(name) and version in (None, match[1]):
            found.append((path.stat().st_mtime, path))
    return max(found)[1] if found else None


def sdist_name_version(filename: str) -> tuple[str, str] | None:
    """The canonical name and the version of an sdist file name, None for anything else."""
    match = re.match(r"^(.+?)-(\d[^-]*?)\.(tar\.gz|zip)$", filename, re.IGNORECASE)
    return (canonical_name(match.group(1)), match.group(2)) if match else None


def fetch(name: str, version: str, dest: Path, log: list[str]) -> Path:
    """The pinned sdist, or the newest one when that version is missing (and say so)."""
    dest.mkdir(parents=True, exist_ok=True)
    sdist = find_sdist(dest, name, version)
    if sdist is None and pip_download(name, f"{name}=={version}", dest):
        sdist = find_sdist(dest, name, version)
    if sdist is None:
        if not pip_download(name, name, dest):
            raise SystemExit(f"could not download an sdist of {name}")
        sdist = find_sdist(dest, name, None)
        if sdist is None:
            raise SystemExit(f"pip reported success but no sdist of {name} in {dest}")
        log.append(f"{name}=={version} not available; using {sdist.name}")
    return sdist


def extract(archive: Path, dest: Path) -> Path:
    """Unpack once, refusing paths that escape the target (hostile archives)."""
    target = dest / re.sub(r"\.(tar\.gz|zip)$", "", archive.name)
    if target.is_dir():
        return target
    dest.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=dest))
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            root = scratch.resolve()
            for member in zf.namelist():
                if not (scratch / member).resolve().is_relative_to(root):
                    raise SystemExit(f"unsafe path in {archive.name}: {member}")
            zf.extractall(scratch)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(scratch, filter="data")
    inner = list(scratch.iterdir())
    (inner[0] if len(inner) == 1 else scratch).rename(target)
    shutil.rmtree(scratch, ignore_errors=True)
    return target


def python_files(roots: list[Path], limit: int | None) -> list[Path]:
    """Every .py file under the roots, sorted so --limit picks a stable subset."""
    files = sorted(path for root in roots for path in root.rglob("*.py") if path.is_file())
    return files[:limit] if limit is not None else files


def read_all(files: list[Path]) -> dict[Path, str]:
    """Texts read up front so the parse floor measures parsing, not disk."""
    return {path: path.read_text(encoding="utf-8", errors="replace") for path in files}


def count_lines(texts: dict[Path, str], files: list[Path]) -> int:
    """Physical lines, the usual unit for linter throughput."""
    return sum(texts[path].count("\n") for path in files)


CHUNK = 50


def bench_parse_and_lint(files: list[Path], texts: dict[Path, str]
                         ) -> tuple[float, int, float, int]:
    """The floor (bare `libcst.parse_module`) and fastmcp-lint cold (every built-in rule, one
    worker, no cache: read, parse, model, rules, facts, then the project rules).

    Measured alternately over chunks of the same files, so a change in machine load (other
    jobs on a shared machine) hits both alike. Each timed chunk ends with a garbage
    collection, so neither side leaves its garbage for the other to pay for, and starts with
    what is already alive (the texts, earlier results) frozen, so that neither pays for the
    other's live objects either.
    Returns (parse seconds, syntax errors, lint seconds, diagnostics).
    """
    start = time.perf_counter()
    from fastmcp_preflight.plugins.registry import Registry, default_plugins
    from fastmcp_preflight.running.engine import Engine
    from fastmcp_preflight.running.project_phase import ProjectPhase

    rules = list(Registry.load(default_plugins()).rules.values())
    engine = Engine(rules)
    phase = ProjectPhase(rules)
    lint_s = time.perf_counter() - start
    parse_s, failures, results = 0.0, 0, []
    for first in range(0, len(files), CHUNK):
        chunk = files[first:first + CHUNK]
        gc.freeze()
        start = time.perf_counter()
        for path in chunk:
            try:
                libcst.parse_module(texts[path])
            except libcst.ParserSyntaxError:
                failures += 1
        gc.collect()
        parse_s += time.perf_counter() - start
        gc.freeze()
        start = time.perf_counter()
        results.extend(engine.lint_path(path, str(path)) for path in chunk)
        gc.collect()
        lint_s += time.perf_counter() - start
    gc.unfreeze()
    start = time.perf_counter()
    found = len(phase.conclude(results).result.diagnostics)
    lint_s += time.perf_counter() - start
    return parse_s, failures, lint_s, found


@dataclass
class Run:
    """One timed run of a command in a fresh process: wall seconds, CPU seconds (user + system
    of every process it waited for, workers included) and the peak RSS of its largest process;
    no figures but a note when it failed."""

    seconds: float | None
    cpu_seconds: float | None = None
    peak_rss_mib: float | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        """Whether the run has figures worth comparing (it neither timed out nor failed)."""
        return self.seconds is not None and not self.note.startswith("FAILED")


#: Runs argv[2:] and reports on it; argv[1] is the timeout in seconds.
_MEASURE = (
    "import json, resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "try:\n"
    "    done = subprocess.run(sys.argv[2:], capture_output=True, timeout=float(sys.argv[1]))\n"
    "except subprocess.TimeoutExpired:\n"
    "    print(json.dumps({'timeout': float(sys.argv[1])}))\n"
    "    sys.exit(0)\n"
    "elapsed = time.perf_counter() - start\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps({'wall': elapsed, 'cpu': usage.ru_utime + usage.ru_stime,\n"
    "                  'maxrss': usage.ru_maxrss, 'code': done.returncode,\n"
    "                  'traceback': b'Traceback' in done.stderr,\n"
    "                  'stderr': done.stderr.decode(errors='replace')[-400:]}))\n"
)


def parse_run(output: str, ok_codes: tuple[int, ...] = (0, 1),
              platform: str = sys.platform) -> Run:
    """The measuring wrapper's report as a Run. ru_maxrss is in KiB on Linux, in bytes on
    macOS. A tool that exits with another code or prints a traceback keeps its times (the
    note says what went wrong, so a crash that was fast is not taken for speed)."""
    data = json.loads(output)
    if "timeout" in data:
        return Run(None, note=f"timed out after {data['timeout']:.0f}s")
    rss_kib = data["maxrss"] / 1024 if platform == "darwin" else data["maxrss"]
    run = Run(data["wall"], data["cpu"], rss_kib / 1024)
    if data["code"] not in ok_codes or data["traceback"]:
        run.note = f"FAILED exit {data['code']}: {data['stderr'].strip()[-200:]}"
    return run


def _installed_env() -> dict[str, str]:
    """The environment for timed runs, as installed: pip compiles bytecode at install time,
    so an editable checkout may write it too (some sandboxes set PYTHONDONTWRITEBYTECODE,
    which would make every run compile every module of ours again)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_measured(command: list[str], cwd: Path | None = None, timeout: float = 600.0,
                 ok_codes: tuple[int, ...] = (0, 1)) -> Run:
    """Time one command in a fresh process, through a wrapper that waits for it alone, so
    the CPU time and peak RSS of its children are its own."""
    wrapper = [sys.executable, "-c", _MEASURE, str(timeout), *command]
    done = subprocess.run(wrapper, cwd=cwd, capture_output=True, text=True, check=True,
                          env=_installed_env())
    return parse_run(done.stdout, ok_codes)


def run_cli(args: list[str], cwd: Path) -> Run:
    """One `fastmcp-lint` run, in a fresh process; a failure stops the benchmark."""
    run = run_measured([sys.executable, "-m", "fastmcp_preflight", *args], cwd)
    if not run.ok:
        raise RuntimeError(f"fastmcp-lint {' '.join(args)}: {run.note}")
    return run


def venv_bin(venv: Path, name: str) -> Path:
    """A program installed in a venv."""
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


def tools_venv(corpus: Path, log: list[str]) -> Path | None:
    """The tools compared with, pinned, installed once into a venv of their own next to the
    corpus (per Python version: Fixit runs on LibCST, which is built per interpreter). A
    stamp file holds what was installed, so a change of pins reinstalls."""
    venv = corpus / f"tools-py{sys.version_info[0]}{sys.version_info[1]}"
    stamp = venv / "bench-tools.txt"
    wanted = "\n".join(COMPARE_TOOLS) + "\n"
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == wanted:
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    python = venv_bin(venv, "python")
    for step in ([sys.executable, "-m", "venv", str(venv)],
                 [str(python), "-m", "pip", "install", "-q", *COMPARE_TOOLS]):
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            log.append(f"could not install {', '.join(COMPARE_TOOLS)} into {venv}: "
                       f"{done.stderr.strip()[-300:]}")
            return None
    stamp.write_text(wanted, encoding="utf-8")
    log.append(f"installed {', '.join(COMPARE_TOOLS)} into {venv}")
    return venv


def fixit_available() -> bool:
    """Without the tools venv, Fixit is compared only when it imports in this interpreter."""
    try:
        import fixit  # noqa: F401
    except ImportError:
        return False
    return True


def ruff_executable() -> str | None:
    """Ruff on PATH, else next to this interpreter (a venv that isn't activated)."""
    found = shutil.which("ruff")
    if found:
        return found
    sibling = Path(sys.executable).parent / "ruff"
    return str(sibling) if os.access(sibling, os.X_OK) else None


def targets(dirs: list[Path], files: list[Path], limited: bool) -> list[str]:
    """Directories for a full run (as a user would type), the exact files under --limit."""
    chosen = files if limited else dirs
    return [str(path) for path in chosen]


def measured_row(name: str, files: int, lines: int, run: Run) -> Row:
    """A table row from one run."""
    return Row(name, files, lines, run.seconds, run.note, run.cpu_seconds, run.peak_rss_mib)


def measure_library(args: argparse.Namespace, venv: Path | None, log: list[str]) -> list[Row]:
    """Download, extract, and time every tool over the same corpus (mcp and fastmcp)."""
    corpus: Path = args.corpus.resolve()
    roots = [extract(fetch(name, version, corpus / "sdist", log), corpus / "src")
             for name, version in PACKAGES]
    log.extend(f"corpus: {root}" for root in roots)
    files = python_files(roots, args.limit)
    texts = read_all(files)
    lines = count_lines(texts, files)
    limited = args.limit is not None

    parse_s, bad, lint_s, found = bench_parse_and_lint(files, texts)
    rows = [Row("libcst parse", len(files), lines, parse_s,
                f"{bad} syntax errors" if bad else "")]
    rows.append(Row("fastmcp-lint", len(files), lines, lint_s, f"{found} diagnostics"))

    mcp_src = roots[0] / "src"
    fixit_files = [path for path in files if path.is_relative_to(mcp_src)]
    fixit = ([str(venv_bin(venv, "python"))] if venv is not None
             else [sys.executable] if fixit_available() else None)
    if fixit is not None:
        command = [*fixit, "-m", "fixit", "lint", *targets([mcp_src], fixit_files, limited)]
        log.append("fixit: " + " ".join(command[:4]) + (" <files>" if limited else f" {mcp_src}"))
        run = (run_measured(command, timeout=FIXIT_TIMEOUT) if fixit_files
               else Run(None, note="no files"))
        rows.append(measured_row(FIXIT_ROW, len(fixit_files),
                                 count_lines(texts, fixit_files), run))
    else:
        log.append("fixit: not compared (--no-compare, and this interpreter has no fixit)")

    ruff = ruff_executable()
    if ruff:
        command = [ruff, "check", "--no-cache", "--select", "ALL", "--exit-zero", "-q",
                   *targets(roots, files, limited)]
        log.append("ruff: " + " ".join(command[:7]) + (" <files>" if limited else " " +
                   " ".join(str(root) for root in roots)))
        rows.append(measured_row("ruff ALL", len(files), lines,
                                 run_measured(command, timeout=RUFF_TIMEOUT)))
    else:
        log.append("ruff not on PATH: skipped")
    if not args.no_cli:
        rows.extend(cli_scenarios(files, roots, lines, log))
    return rows


FIXIT_ROW = "fixit (mcp src/)"


def make_project(files: list[Path], roots: list[Path], folder: Path) -> Path:
    """A copy of some corpus files as one project (a pyproject.toml marks its root)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "pyproject.toml").write_text("[project]\nname = 'bench'\n", encoding="utf-8")
    for path in files:
        root = next(r for r in roots if path.is_relative_to(r))
        target = folder / root.name / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return folder


def _report(path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


def cli_scenarios(files: list[Path], roots: list[Path], lines: int,
                  log: list[str]) -> list[Row]:
    """Workers, cache, the pre-commit case and memory, through the real command line."""
    work = Path(tempfile.mkdtemp(prefix="fastmcp-lint-bench-"))
    try:
        project = make_project(files, roots, work / "all")
        jobs = os.cpu_count() or 1
        rows: list[Row] = []
        reports: dict[str, Path] = {}

        def scenario(name: str, args: list[str], folder: Path, count: int,
                     report: str | None = None) -> None:
            out = ["--format", "json", "--output-file", str(work / f"{report}.json")] \
                if report else ["--format", "concise", "--quiet"]
            run = run_cli([*args, *out, *EVERY_FILE], folder)
            if report:
                reports[report] = work / f"{report}.json"
            rows.append(measured_row(name, count, lines if folder is project else 0, run))

        run_cli(["--version"], project)  # bytecode written before anything is timed
        scenario("cli cold -j1", [".", "--no-cache", "--jobs", "1"], project, len(files),
                 "cold1")
        scenario(f"cli cold -j{jobs}", [".", "--no-cache", "--jobs", str(jobs)], project,
                 len(files), "coldn")
        scenario(f"cli cache fill -j{jobs}", [".", "--jobs", str(jobs)], project, len(files),
                 "fill")
        scenario("cli warm", [".", "--jobs", str(jobs)], project, len(files), "warm")
        scenario("cli warm -j1", [".", "--jobs", "1"], project, len(files), "warm1")
        first = _report(reports["cold1"])
        same = all(_report(path) == first for path in reports.values())
        log.append(f"cold -j1, cold -j{jobs}, cache fill, warm and warm -j1 reports identical: "
                   f"{same}")

        half = make_project(files[: len(files) // 2], roots, work / "half")
        scenario("cli cold -j1 (half)", [".", "--no-cache", "--jobs", "1"], half,
                 len(files) // 2)

        thousand = make_project(files[:1000], roots, work / "thousand")
        run_cli([".", "--format", "concise", "--quiet", *EVERY_FILE], thousand)  # fill the cache
        candidates = sorted(thousand.rglob("*.py"))
        rows.append(measured_row("one changed file (1000-file project)", 1, 0,
                                 one_changed(thousand, candidates[len(candidates) // 2])))
        rows.append(measured_row("one changed async module (1000-file project)", 1, 0,
                                 one_changed(thousand, async_module(candidates))))
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def one_changed(project: Path, changed: Path) -> Run:
    """A pre-commit run over one edited file of a cached project: the best of three fresh
    edits (one run is too noisy)."""
    best: Run | None = None
    for attempt in range(3):
        changed.write_text(changed.read_text(encoding="utf-8") + f"\n# changed {attempt}\n",
                           encoding="utf-8")
        timed = run_cli([str(changed.relative_to(project)), "--format", "concise", "--quiet",
                         *EVERY_FILE], project)
        best = timed if best is None or fastest(timed, best) is timed else best
    assert best is not None
    best.note = "best of 3"
    return best


def async_module(candidates: list[Path]) -> Path:
    """The middle one (by path) of the files outside tests that have an `async def`: the
    case where the project index must resolve the file's event-loop calls."""
    busy = sorted(path for path in candidates if "tests" not in path.parts
                  and "async def " in path.read_text(encoding="utf-8", errors="replace"))
    return busy[len(busy) // 2] if busy else candidates[len(candidates) // 2]


def fastest(first: Run, second: Run) -> Run:
    """The run with the smaller wall time; a run without figures loses."""
    if second.seconds is None:
        return first
    if first.seconds is None:
        return second
    return second if second.seconds < first.seconds else first


@dataclass
class ServerResult:
    """One server tree (or the total over them): fastmcp-lint cold with its default jobs and
    with one worker, and mcp-server-lint, on the same files. A ratio with a run that failed
    is None: a crash can be fast."""

    name: str
    files: int
    lines: int
    default_jobs: Run
    one_worker: Run
    mcp_server_lint: Run | None

    def _against(self, mine: Run, cpu: bool) -> float | None:
        other = self.mcp_server_lint
        if other is None or not (mine.ok and other.ok):
            return None
        if cpu:
            return ratio(mine.cpu_seconds, other.cpu_seconds)
        return ratio(mine.seconds, other.seconds)

    @property
    def wall_ratio(self) -> float | None:
        """fastmcp-lint's wall time (default jobs) over mcp-server-lint's: below 1 is a lead."""
        return self._against(self.default_jobs, cpu=False)

    @property
    def cpu_ratio_one_worker(self) -> float | None:
        """fastmcp-lint's CPU time with one worker over mcp-server-lint's: 1 is parity."""
        return self._against(self.one_worker, cpu=True)

    @property
    def cpu_ratio_default_jobs(self) -> float | None:
        """The same with the default jobs, which adds the workers' start-up."""
        return self._against(self.default_jobs, cpu=True)

    def as_json(self) -> dict[str, object]:
        """The JSON object of one tree: the runs and the ratios."""
        return {
            "name": self.name, "files": self.files, "lines": self.lines,
            "fastmcp_lint_default_jobs": asdict(self.default_jobs),
            "fastmcp_lint_one_worker": asdict(self.one_worker),
            "mcp_server_lint": asdict(self.mcp_server_lint) if self.mcp_server_lint else None,
            "wall_ratio_default_jobs": self.wall_ratio,
            "cpu_ratio_one_worker": self.cpu_ratio_one_worker,
            "cpu_ratio_default_jobs": self.cpu_ratio_default_jobs,
        }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, None when either is missing or the denominator is zero."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def total_run(runs: list[Run]) -> Run:
    """Runs one after the other as one: times add up, the peak is the highest. A tool that
    failed on one tree has no total, rather than one that flatters it."""
    failed = sum(1 for run in runs if not run.ok)
    if failed or not runs:
        return Run(None, note=f"FAILED on {failed} of {len(runs)}")
    return Run(sum(run.seconds or 0.0 for run in runs),
               sum(run.cpu_seconds or 0.0 for run in runs),
               max(run.peak_rss_mib or 0.0 for run in runs))


def total_result(results: list[ServerResult]) -> ServerResult:
    """The total over every tree."""
    others = [result.mcp_server_lint for result in results]
    return ServerResult(
        "total", sum(result.files for result in results), sum(r.lines for r in results),
        total_run([result.default_jobs for result in results]),
        total_run([result.one_worker for result in results]),
        None if None in others else total_run([run for run in others if run is not None]))


def measure_servers(args: argparse.Namespace, venv: Path | None, log: list[str]
                    ) -> tuple[list[Row], list[ServerResult]]:
    """Each server tree cold from its root, as a user runs it: fastmcp-lint with its
    defaults (test code skipped, one worker per CPU) and with `--jobs 1`, and mcp-server-lint
    (which has no cache to turn off, and one process). The tools take turns on each tree,
    so a change of load on a shared machine hits them alike."""
    corpus: Path = args.corpus.resolve()
    doctor = venv_bin(venv, "mcp-doctor") if venv is not None else None
    if doctor is None:
        log.append("mcp-server-lint: not compared (--no-compare)")
    work = Path(tempfile.mkdtemp(prefix="fastmcp-lint-bench-servers-"))
    rows: list[Row] = []
    results: list[ServerResult] = []
    # Bytecode written before anything is timed (pip compiled the tools' at install).
    run_measured([sys.executable, "-m", "fastmcp_preflight", "--version"], work)
    try:
        for name, version in SERVERS:
            try:
                tree = extract(fetch(name, version, corpus / "servers-sdist", log),
                               corpus / "servers")
            except SystemExit as error:  # one server missing still leaves a comparison
                log.append(f"{name}=={version}: skipped, {error}")
                continue
            files = python_files([tree], None)
            lines = count_lines(read_all(files), files)  # and the files in the page cache
            out = ["--format", "json", "--output-file", str(work / "report.json")]
            commands = {
                "default": [sys.executable, "-m", "fastmcp_preflight", ".", "--no-cache", *out],
                "one": [sys.executable, "-m", "fastmcp_preflight", ".", "--no-cache",
                        "--jobs", "1", *out],
            }
            if doctor is not None:
                commands["doctor"] = [str(doctor), ".", "--json", "--no-color"]
            best: dict[str, Run] = {}
            for _ in range(max(1, args.repeat)):
                for key, command in commands.items():
                    run = run_measured(command, tree, SERVER_TIMEOUT)
                    best[key] = fastest(best[key], run) if key in best else run
            label = f"{name} {version}"
            result = ServerResult(label, len(files), lines, best["default"], best["one"],
                                  best.get("doctor"))
            results.append(result)
            rows.extend(server_rows(result))
        log.append(f"servers: {corpus / 'servers'} ({len(results)} trees, fastest of "
                   f"{max(1, args.repeat)} cold run(s) per tool; CPU = user + system of every "
                   "process, peak RSS = the largest single process)")
        if results:
            rows.extend(server_rows(total_result(results)))
        return rows, results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def server_rows(result: ServerResult) -> list[Row]:
    """The rows of one tree in the main table."""
    rows = [measured_row(f"{result.name}: fastmcp-lint cold", result.files, result.lines,
                         result.default_jobs),
            measured_row(f"{result.name}: fastmcp-lint cold -j1", result.files, result.lines,
                         result.one_worker)]
    if result.mcp_server_lint is not None:
        rows.append(measured_row(f"{result.name}: mcp-server-lint", result.files,
                                 result.lines, result.mcp_server_lint))
    return rows


def fmt(value: float | None, spec: str) -> str:
    """A number or a dash, so skipped tools still line up."""
    return "-" if value is None else format(value, spec)


def render_table(rows: list[Row], ratios: dict[str, float | None]) -> str:
    """A plain-text table that pastes cleanly into an issue or PR."""
    width = max([38, *(len(r.name) for r in rows)])
    header = (f"{'tool':<{width}} {'files':>6} {'lines':>8} {'seconds':>8} {'files/s':>8} "
              f"{'cpu s':>8} {'RSS MiB':>8}  note")
    body = [f"{r.name:<{width}} {r.files:>6} {r.lines:>8} {fmt(r.seconds, '.2f'):>8} "
            f"{fmt(r.files_per_second, '.1f'):>8} {fmt(r.cpu_seconds, '.2f'):>8} "
            f"{fmt(r.peak_rss_mib, '.0f'):>8}  {r.note}" for r in rows]
    return "\n".join([header, "-" * len(header), *body,
                      *(f"{RATIO_LABELS[key]}: {fmt(value, '.2f')}x"
                        for key, value in ratios.items())])


def render_servers(results: list[ServerResult]) -> str:
    """fastmcp-lint against mcp-server-lint per tree: below 1x is faster or cheaper."""
    width = max(len(result.name) for result in results)
    header = (f"{'server':<{width}} {'files':>6} {'wall, default jobs':>19} "
              f"{'CPU, -j1':>9} {'CPU, default jobs':>18}")
    body = [f"{r.name:<{width}} {r.files:>6} {fmt(r.wall_ratio, '.2f') + 'x':>19} "
            f"{fmt(r.cpu_ratio_one_worker, '.2f') + 'x':>9} "
            f"{fmt(r.cpu_ratio_default_jobs, '.2f') + 'x':>18}" for r in results]
    return "\n".join(["fastmcp-lint / mcp-server-lint", header, "-" * len(header), *body])


RATIO_LABELS = {
    "lint_parse": "ratio lint/parse",
    "fixit_parse": "ratio fixit/parse (seconds per file)",
    "cli_cold_jobs_over_fixit": "ratio cli cold -jN / fixit (files per second)",
}


def library_ratios(rows: list[Row]) -> dict[str, float | None]:
    """How much fastmcp-lint costs on top of the parse it can't avoid, how far Fixit is from
    that floor, and how many times Fixit's throughput the command line has with every worker."""
    by_name = {row.name: row for row in rows}

    def per_file(name: str) -> float | None:
        row = by_name.get(name)
        return ratio(row.seconds, row.files) if row else None

    def throughput(name: str) -> float | None:
        row = by_name.get(name)
        return row.files_per_second if row else None

    cold_jobs = next((row.name for row in rows
                      if row.name.startswith("cli cold -j") and row.name != "cli cold -j1"),
                     "")
    return {
        "lint_parse": ratio(per_file("fastmcp-lint"), per_file("libcst parse")),
        "fixit_parse": ratio(per_file(FIXIT_ROW), per_file("libcst parse")),
        "cli_cold_jobs_over_fixit": ratio(throughput(cold_jobs), throughput(FIXIT_ROW)),
    }


def _version(dist: str) -> str | None:
    """Installed version of a distribution, for the JSON record."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def main(argv: list[str] | None = None) -> None:
    """Entry point; always exits 0 because this is a measurement, not a check."""
    args = parse_args(argv)
    log: list[str] = [f"cpus: {os.cpu_count()}; load average before: "
                      + " ".join(f"{load:.2f}" for load in os.getloadavg())]
    venv = None if args.no_compare else tools_venv(args.corpus.resolve(), log)
    rows = [] if args.servers_only else measure_library(args, venv, log)
    ratios = library_ratios(rows) if rows else {}
    server_table, results = ([], []) if args.no_servers else measure_servers(args, venv, log)
    rows.extend(server_table)
    log.append("load average after: " + " ".join(f"{load:.2f}" for load in os.getloadavg()))
    if args.json:
        payload = {
            "python": sys.version.split()[0],
            "libcst": _version("libcst"),
            "compared": None if venv is None else list(COMPARE_TOOLS),
            "notes": log,
            "rows": [{**asdict(r), "files_per_second": r.files_per_second} for r in rows],
            "ratio_lint_parse": ratios.get("lint_parse"),
            "ratios": ratios,
            "servers": [result.as_json() for result in results],
            "servers_total": total_result(results).as_json() if results else None,
        }
        print(json.dumps(payload, indent=2))
    else:
        for line in log:
            print(line)
        print(render_table(rows, ratios))
        if results:
            print()
            print(render_servers([*results, total_result(results)]))
    sys.exit(0)


if __name__ == "__main__":
    main()
