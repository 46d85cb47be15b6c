"""Cohort autograding before and after answer keys, beside stock ``nbgrader autograde``.

One simulated retail_demand cohort (personas strong, average, weak, incomplete, broken) is
graded, in one run, by:

- the **baseline**: a git worktree of the commit before answer keys (``--baseline``; default:
  the parent of the commit that took the hidden tests out of the case), in its own venv, with
  its own case source (hidden tests run in the learner's kernel), via
  ``benchmarks/baseline/grade_old.py``: its ``dxcase grade`` and stock ``nbgrader autograde``
  on the old-format notebooks (serial, for reference);
- **dxcase now**: answer keys computed once for the variant (timed), then ``dxcase grade``.

Reported per grader: wall, the kernels' CPU seconds per submission, the floor (kernel CPU /
cores), wall / floor, and the overhead per notebook ((wall × workers − kernel CPU) / notebooks:
kernel start, sandbox, recording); and the notebooks whose scores differ from the baseline's.
Targets (issue 15): overhead ≤ 1.5 s per notebook and wall ≤ 1.15 × floor.
Usage: ``python benchmarks/bench_grade.py [--n 10] [--workers 2] [--out benchmarks/results]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dxcase.author.casefile import load_case
from dxcase.grade.course import open_course, setup_case_course, write_roster
from dxcase.grade.intake import import_submissions
from dxcase.grade.keys import course_keys
from dxcase.grade.runner import Grader
from dxcase.grade.simulate import make_cohort, release_of
from dxcase.paths import content_root

CASE = "retail_demand"
ROOT = Path(__file__).resolve().parents[1]


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip


def _default_baseline() -> str:
    removal = _git("log", "-1", "--format=%H", "-S", "BEGIN HIDDEN TESTS", "--",
                   f"casestudies/{CASE}/01_business_issue.ipynb")  # fmt: skip
    return _git("rev-parse", f"{removal}^")


def _baseline_python(rev: str, work: Path) -> Path:
    """A worktree of ``rev`` with its own venv (pinned by its requirements.lock)."""
    tree = work / "baseline"
    _git("worktree", "add", "--detach", str(tree), rev)
    subprocess.run([sys.executable, "-m", "venv", str(tree / ".venv")], check=True)
    python = tree / ".venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-c",
                    str(tree / "requirements.lock"), "-e", str(tree)], check=True)  # fmt: skip
    return python


def _scores(course_dir: Path) -> dict[str, float]:
    out = {}
    with open_course(course_dir).gradebook() as gb:
        for sub in gb.assignment_submissions(CASE):
            for nb in sub.notebooks:
                out[f"{sub.student.id}/{nb.name}"] = round(nb.score, 6)
    return out


def _summary(wall: float, cpu: float, notebooks: int, workers: int, n: int, cores: int) -> dict:
    floor = cpu / cores
    return {
        "wall_s": round(wall, 1),
        "kernel_cpu_s": round(cpu, 1),
        "kernel_cpu_per_submission_s": round(cpu / n, 2),
        "floor_s": round(floor, 1),
        "wall_over_floor": round(wall / floor, 3) if floor else None,
        "overhead_per_notebook_s": round(max(0.0, wall * workers - cpu) / notebooks, 2),
        "workers": workers,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--baseline", default=None, help="git revision of the old grader")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    ap.add_argument("--keep", action="store_true", help="keep the work folder (printed)")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="dxcase-bench-grade-"))
    rev = args.baseline or _default_baseline()
    case = load_case(content_root("casestudies") / CASE)
    base = work / "base"
    course = setup_case_course(base, CASE, [])
    subs = work / "subs"
    learners = make_cohort(case, release_of(course, CASE), subs, args.n)
    write_roster(base / "roster.csv", learners)
    write_roster(work / "roster.csv", learners)
    import_submissions(open_course(base), CASE, subs)
    results: dict = {"n_submissions": args.n, "cores": cores, "baseline": rev}

    _say(f"baseline {rev[:10]}: worktree and venv ...")
    python = _baseline_python(rev, work)
    _say("baseline: stock nbgrader autograde (serial), then its dxcase grade ...")
    script = ROOT / "benchmarks" / "baseline" / "grade_old.py"
    proc = subprocess.run([str(python), str(script), str(subs), str(work), str(args.workers)],
                          capture_output=True, text=True, check=False, cwd=work)  # fmt: skip
    line = next((x for x in proc.stdout.splitlines() if x.startswith("BASELINE-JSON ")), None)
    if line is None:
        raise SystemExit(f"baseline run failed:\n{proc.stderr[-3000:]}")
    old = json.loads(line.split(" ", 1)[1])
    notebooks = old["old_dxcase"]["notebooks"] or 1
    results["stock_old_format"] = {"wall_s": old["stock"]["wall_s"]}
    results["baseline_dxcase"] = _summary(
        old["old_dxcase"]["wall_s"], old["old_dxcase"]["kernel_cpu_s"], notebooks, args.workers,
        args.n, cores,
    )  # fmt: skip

    _say("now: answer keys for the variant ...")
    started = time.perf_counter()
    keys = course_keys(open_course(base), case, workers=1, progress=False)
    results["key_seconds_per_variant"] = round((time.perf_counter() - started) / len(keys), 1)
    _say(f"now: dxcase grade, {args.workers} workers ...")
    batch = Grader(open_course(base), CASE, args.workers, progress=True).run()
    cpu = sum(o.cpu_seconds or 0 for o in batch.outcomes)
    ran = len([o for o in batch.outcomes if o.cpu_seconds is not None]) or 1
    results["dxcase"] = _summary(batch.wall_s, cpu, ran, args.workers, args.n, cores)
    new_scores = _scores(base)
    results["score_differences_vs_baseline"] = [
        {"notebook": k, "baseline": v, "now": new_scores.get(k)}
        for k, v in sorted(old["old_dxcase"]["scores"].items())
        if abs(v - (new_scores.get(k) or 0)) > 1e-6
    ]
    now = results["dxcase"]
    results["meets_targets"] = bool(
        now["overhead_per_notebook_s"] <= 1.5 and (now["wall_over_floor"] or 9) <= 1.15
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "grade.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    _git("worktree", "remove", "--force", str(work / "baseline"))
    if args.keep:
        _say(f"work folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
