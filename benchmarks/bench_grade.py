"""Cohort autograding: stock ``nbgrader autograde`` vs ``dxcase grade`` on the same submissions.

A simulated retail_demand cohort (personas strong, average, weak, incomplete, broken) is graded
by stock nbgrader (serial, in one process) and by dxcase with 1 and 2 workers, each into its own
copy of the course and gradebook. Reports wall times, both ratios of the issue (vs 0.5 x stock
and vs 1.15 x floor, floor = sum of the notebook runs' CPU seconds / cores), the share of
overhead (wall x workers - kernel CPU, over wall x workers) and where it goes (CPU of the grader
process; of the workers and sandbox launchers; time kernels were alive but not computing: start,
waits, CPU taken by others), and whether every per-notebook score is identical.
Usage: ``python benchmarks/bench_grade.py [--n 40] [--out benchmarks/results]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dxcase.author.casefile import load_case
from dxcase.grade.course import open_course, setup_case_course, write_roster
from dxcase.grade.intake import import_submissions
from dxcase.grade.runner import Grader
from dxcase.grade.simulate import make_cohort, release_of
from dxcase.paths import content_root

CASE = "retail_demand"


def _stock(course_dir: Path, variant: Path, case_dir: Path) -> float:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DXCASE_EVENTS": "0",
        "DXCASE_HOLDOUT_DIR": str(variant / "holdout"),
        "DXCASE_CASE_DIR": str(case_dir),
        "MPLBACKEND": "agg",
    }
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "nbgrader", "autograde", CASE, "--force",
           f"--CourseDirectory.root={course_dir}", "--Execute.timeout=600"]  # fmt: skip
    proc = subprocess.run(cmd, cwd=course_dir, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(proc.stderr[-2000:], file=sys.stderr)
    return time.perf_counter() - started


def _scores(course_dir: Path) -> dict[str, float]:
    course = open_course(course_dir)
    out = {}
    with course.gradebook() as gb:
        for sub in gb.assignment_submissions(CASE):
            for nb in sub.notebooks:
                out[f"{sub.student.id}/{nb.name}"] = round(nb.score, 6)
    return out


def _differences(stock: dict[str, float], ours: dict[str, float]) -> list[dict]:
    """Per-notebook scores that differ (or exist on one side only), at most 20."""
    keys = sorted(set(stock) | set(ours))
    diff = [{"notebook": k, "stock": stock.get(k), "dxcase": ours.get(k)} for k in keys
            if stock.get(k) != ours.get(k)]  # fmt: skip
    return diff[:20]


def _cpu_times() -> tuple[float, float]:
    """CPU seconds of this process (the grader) and of its reaped children (pool workers and
    the sandbox launchers; kernels are not among them, they are reaped inside their namespace)."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    ap.add_argument("--workers", default="1,2", help="worker counts to run, e.g. 1,2")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (printed)")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="dxcase-bench-grade-"))
    case = load_case(content_root("casestudies") / CASE)
    base = work / "base"
    course = setup_case_course(base, CASE, [])
    subs = work / "subs"
    learners = make_cohort(case, release_of(course, CASE), subs, args.n)
    write_roster(base / "roster.csv", learners)
    import_submissions(open_course(base), CASE, subs)
    # the dataset variant, once, also inside each submission for stock nbgrader (DATA_DIR="data")
    Grader(open_course(base), CASE, 1, progress=False)._data_for(learners[0].id)
    variant = next((base / "dxcase" / "variants").iterdir())
    results = {"n_submissions": args.n, "cores": cores, "runs": {}}

    stock_dir = work / "stock"
    shutil.copytree(base, stock_dir)
    for sub in (stock_dir / "submitted").iterdir():
        shutil.copytree(variant / "data", sub / CASE / "data", dirs_exist_ok=True)
    _say(f"stock nbgrader autograde, {args.n} submissions, serial ...")
    load = os.getloadavg()[0]
    results["runs"]["stock"] = {
        "wall_s": round(_stock(stock_dir, variant, case.root), 1),
        "load_avg_1min_before_after": [round(load, 2), round(os.getloadavg()[0], 2)],
    }
    _say(f"  {results['runs']['stock']['wall_s']} s")
    stock_scores = _scores(stock_dir)

    for workers in sorted({int(w) for w in args.workers.split(",")}):
        d = work / f"dxcase-{workers}"
        shutil.copytree(base, d)
        _say(f"dxcase grade, {workers} worker(s) ...")
        load = os.getloadavg()[0]
        before = _cpu_times()
        batch = Grader(open_course(d), CASE, workers, progress=True).run()
        grader_cpu, helpers_cpu = (b - a for a, b in zip(before, _cpu_times(), strict=True))
        _say(f"  {batch.wall_s:.1f} s")
        cpu = sum(o.cpu_seconds or 0 for o in batch.outcomes)
        measured = [o for o in batch.outcomes if o.cpu_seconds is not None and o.seconds]
        busy = batch.wall_s * workers
        results["runs"][f"dxcase_{workers}w"] = {
            "wall_s": round(batch.wall_s, 1),
            "kernel_cpu_s": round(cpu, 1),
            "floor_s": round(cpu / cores, 1),
            "overhead_share": round(max(0.0, busy - cpu) / busy, 3),
            "grader_cpu_s": round(grader_cpu, 1),
            "workers_and_launchers_cpu_s": round(helpers_cpu, 1),
            "kernel_alive_not_computing_s": round(
                sum(o.seconds - o.cpu_seconds for o in measured), 1
            ),
            "same_scores_as_stock": not (diff := _differences(stock_scores, _scores(d))),
            "score_differences": diff,
            "load_avg_1min_before_after": [round(load, 2), round(os.getloadavg()[0], 2)],
        }
    best = results["runs"][f"dxcase_{max(int(w) for w in args.workers.split(','))}w"]
    stock = results["runs"]["stock"]["wall_s"]
    results["ratio_vs_stock"] = round(best["wall_s"] / stock, 3)
    results["ratio_vs_floor"] = (
        round(best["wall_s"] / best["floor_s"], 3) if best["floor_s"] else None
    )
    results["target_s"] = round(max(0.5 * stock, 1.15 * best["floor_s"]), 1)
    results["meets_target"] = best["wall_s"] <= results["target_s"]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "grade.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    if args.keep:
        _say(f"work folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
