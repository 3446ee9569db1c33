"""Benchmark fastmcp-lint against the LibCST parse floor on real MCP/FastMCP source.

Downloads the sdists of `mcp` and `fastmcp` from PyPI (cached), then times, in one process and
alternately over chunks of files: the bare `libcst.parse_module` over every file, and
fastmcp-lint cold with every built-in rule,
and, for reference, Fixit (subprocess, default rules, mcp's `src/`) and ruff if available.
Then, through the command line on a copy of the corpus: cold with one worker and with all,
warm (cache on, nothing changed), one changed file in a 1,000-file project (the pre-commit
case), peak memory on half and all of the corpus, and whether every way of running gives the
same JSON report.

    python bench/benchmark.py [--corpus DIR] [--limit N] [--json] [--no-cli]
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
DEFAULT_CORPUS = Path(tempfile.gettempdir()) / "fastmcp-lint-bench-corpus"
FIXIT_TIMEOUT = 300.0
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
                        help="use only the first N files (sorted) for a quick run")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--no-cli", action="store_true",
                        help="skip the command-line scenarios (workers, cache, memory)")
    return parser.parse_args(argv)


def pip_download(spec: str, dest: Path) -> bool:
    """Fetch one sdist; try without build isolation first because it is much faster."""
    base = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
            "-q", "-d", str(dest)]
    for extra in (["--no-build-isolation"], []):
        done = subprocess.run([*base, *extra, spec], capture_output=True, text=True)
        if done.returncode == 0:
            return True
    return False


def find_sdist(dest: Path, name: str, version: str | None) -> Path | None:
    """The newest cached sdist of a package (of one version if given), so reruns are offline."""
    pattern = re.compile(rf"^{re.escape(name)}-(\d[^-]*?)\.(tar\.gz|zip)$", re.IGNORECASE)
    found = []
    for path in dest.iterdir() if dest.is_dir() else ():
        match = pattern.match(path.name)
        if match and (version is None or match.group(1) == version):
            found.append((path.stat().st_mtime, path))
    return max(found)[1] if found else None


def fetch(name: str, version: str, dest: Path, log: list[str]) -> Path:
    """The pinned sdist, or the newest one when that version is missing (and say so)."""
    dest.mkdir(parents=True, exist_ok=True)
    sdist = find_sdist(dest, name, version)
    if sdist is None and pip_download(f"{name}=={version}", dest):
        sdist = find_sdist(dest, name, version)
    if sdist is None:
        if not pip_download(name, dest):
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


def run_timed(command: list[str], timeout: float) -> tuple[float | None, str]:
    """Wall time of an external tool; its findings don't matter, only that it ran."""
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout:.0f}s"
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1) or "Traceback" in done.stderr:
        return elapsed, f"exit {done.returncode}: {done.stderr.strip()[-200:]}"
    return elapsed, f"exit {done.returncode}"


def fixit_available() -> bool:
    """Fixit is optional; only compare when it imports in this interpreter."""
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


def measure(args: argparse.Namespace, log: list[str]) -> list[Row]:
    """Download, extract, and time every tool over the same corpus."""
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
    if fixit_available():
        command = [sys.executable, "-m", "fixit", "lint",
                   *targets([mcp_src], fixit_files, limited)]
        log.append("fixit: " + " ".join(command[:4]) + (" <files>" if limited else f" {mcp_src}"))
        seconds, note = (run_timed(command, FIXIT_TIMEOUT) if fixit_files
                         else (None, "no files"))
        rows.append(Row("fixit (mcp src/)", len(fixit_files),
                        count_lines(texts, fixit_files), seconds, note))
    else:
        log.append("fixit not installed: pip install fixit==2.2.1 to compare")

    ruff = ruff_executable()
    if ruff:
        command = [ruff, "check", "--no-cache", "--select", "ALL", "--exit-zero", "-q",
                   *targets(roots, files, limited)]
        log.append("ruff: " + " ".join(command[:7]) + (" <files>" if limited else " " +
                   " ".join(str(root) for root in roots)))
        seconds, note = run_timed(command, RUFF_TIMEOUT)
        rows.append(Row("ruff ALL", len(files), lines, seconds, note))
    else:
        log.append("ruff not on PATH: skipped")
    if not args.no_cli:
        rows.extend(cli_scenarios(files, roots, lines, log))
    return rows


_MEASURE = (
    "import json, resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True)\n"
    "elapsed = time.perf_counter() - start\n"
    "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(json.dumps([elapsed, rss, done.returncode]))\n"
)


def _installed_env() -> dict[str, str]:
    """The environment for timed runs, as installed: pip compiles bytecode at install time,
    so an editable checkout may write it too (some sandboxes set PYTHONDONTWRITEBYTECODE,
    which would make every run compile every module of ours again)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_cli(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one `fastmcp-lint` run, in a fresh process."""
    command = [sys.executable, "-c", _MEASURE, sys.executable, "-m", "fastmcp_preflight", *args]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True,
                          env=_installed_env())
    elapsed, rss_kib, code = json.loads(done.stdout)
    if code not in (0, 1):
        raise RuntimeError(f"fastmcp-lint {' '.join(args)} exited {code}")
    return elapsed, rss_kib / 1024


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
                     report: str | None = None) -> tuple[float, float]:
            out = ["--format", "json", "--output-file", str(work / f"{report}.json")] \
                if report else ["--format", "concise", "--quiet"]
            seconds, rss = run_cli([*args, *out, *EVERY_FILE], folder)
            if report:
                reports[report] = work / f"{report}.json"
            rows.append(Row(name, count, lines if folder is project else 0, seconds,
                            f"peak RSS {rss:.0f} MiB"))
            return seconds, rss

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
        changed = candidates[len(candidates) // 2]
        best: tuple[float, float] | None = None
        for attempt in range(3):  # the best of three fresh edits: one run is too noisy
            changed.write_text(changed.read_text(encoding="utf-8") + f"\n# changed {attempt}\n",
                               encoding="utf-8")
            timed = run_cli([str(changed.relative_to(thousand)), "--format", "concise",
                             "--quiet", *EVERY_FILE], thousand)
            best = timed if best is None or timed[0] < best[0] else best
        assert best is not None
        rows.append(Row("one changed file (1000-file project)", 1, 0, best[0],
                        f"best of 3; peak RSS {best[1]:.0f} MiB"))
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def fmt(value: float | None, spec: str) -> str:
    """A number or a dash, so skipped tools still line up."""
    return "-" if value is None else format(value, spec)


def render_table(rows: list[Row], ratio: float | None) -> str:
    """A plain-text table that pastes cleanly into an issue or PR."""
    header = f"{'tool':<38} {'files':>6} {'lines':>8} {'seconds':>8} {'files/s':>8}  note"
    body = [f"{r.name:<38} {r.files:>6} {r.lines:>8} {fmt(r.seconds, '.2f'):>8} "
            f"{fmt(r.files_per_second, '.1f'):>8}  {r.note}" for r in rows]
    return "\n".join([header, "-" * len(header), *body,
                      f"ratio lint/parse: {fmt(ratio, '.2f')}x"])


def lint_parse_ratio(rows: list[Row]) -> float | None:
    """How much fastmcp-lint costs on top of the parse it can't avoid."""
    by_name = {row.name: row.seconds for row in rows}
    parse, lint = by_name.get("libcst parse"), by_name.get("fastmcp-lint")
    return lint / parse if parse and lint else None


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
    log: list[str] = []
    rows = measure(args, log)
    ratio = lint_parse_ratio(rows)
    if args.json:
        payload = {
            "python": sys.version.split()[0],
            "libcst": _version("libcst"),
            "notes": log,
            "rows": [{**asdict(r), "files_per_second": r.files_per_second} for r in rows],
            "ratio_lint_parse": ratio,
        }
        print(json.dumps(payload, indent=2))
    else:
        for line in log:
            print(line)
        print(render_table(rows, ratio))
    sys.exit(0)


if __name__ == "__main__":
    main()
