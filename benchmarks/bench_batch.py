"""Batch validation against sequential papermill, on the same notebook runs, in one run.

The same runs (by default retail_demand's 03_trial over 8 seeds) are executed

1. sequentially with ``papermill.execute_notebook``, one after another, each kernel with the
   default thread settings (no caps), and
2. by ``dxcase batch`` (worker pool, thread caps, passive OpenMP wait).

Both use the same pre-generated dataset variants (their generation is timed separately).
CPU seconds of each run are the kernel's (child rusage of the process that started it).
Target (DESIGN.md §5): batch wall <= max(sequential / 1.8, 1.15 x floor), where
floor = sum of the runs' CPU seconds / cores. Writes benchmarks/results/batch.json.

    python benchmarks/bench_batch.py [--case casestudies/retail_demand] [--notebook 03_trial]
                                     [--seeds 1-8] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import tempfile
import time
from pathlib import Path

import nbformat

from dxcase.author.build import stage_source
from dxcase.batch import Matrix, VariantGroup, expand, prepare_variants, read_figures, run_batch
from dxcase.batch.matrix import parse_seeds, variants_of
from dxcase.batch.tasks import cpu_cores
from dxcase.check.events import EVENTS_ENV
from dxcase.kernels import THREAD_VARS

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "batch.json"


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def sequential(cases, runs, out: Path, work: Path) -> list[dict]:
    """papermill.execute_notebook, one run after another, default kernel threads."""
    import papermill

    by_case = {c.slug: c for c in cases}
    for name in (*THREAD_VARS, "OMP_WAIT_POLICY"):  # the default: no caps at all
        os.environ.pop(name, None)
    results = []
    for run in runs:
        folder = work / run.id
        stage_source(by_case[run.case], run.lang, folder)
        variant = out / "variants" / run.variant.id
        os.environ.update(
            {
                EVENTS_ENV: "0",
                "DXCASE_HOLDOUT_DIR": str(variant / "holdout"),
                "DXCASE_CASE_DIR": run.case_root,
                "MPLBACKEND": "agg",
            }
        )
        cpu0, start = children_cpu(), time.perf_counter()
        ok = True
        try:
            papermill.execute_notebook(
                str(folder / f"{run.notebook}.ipynb"),
                str(folder / f"{run.notebook}.out.ipynb"),
                parameters={run.parameter: str(variant / "data"), **dict(run.parameters)},
                cwd=str(folder),
                kernel_name="python3",
                progress_bar=False,
            )
        except Exception as exc:
            ok = False
            print(f"  sequential {run.id} failed: {exc}"[:300])
        wall, cpu = time.perf_counter() - start, children_cpu() - cpu0
        figures = {}
        if (folder / f"{run.notebook}.out.ipynb").is_file():
            figures = read_figures(nbformat.read(folder / f"{run.notebook}.out.ipynb", 4))
        results.append(
            {
                "run": run.id,
                "ok": ok,
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "figures": figures,
            }
        )
        print(f"  sequential {run.variant.label}: {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", default=str(ROOT / "casestudies" / "retail_demand"))
    parser.add_argument("--notebook", default="03_trial")
    parser.add_argument("--seeds", default="1-8")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--lang", default="ja")
    args = parser.parse_args()

    cores = cpu_cores()
    tmp = Path(tempfile.mkdtemp(prefix="dxcase-bench-batch-"))
    # a snapshot, so both measurements run the same inputs even while authors edit the case
    snapshot = tmp / "case" / Path(args.case).name
    shutil.copytree(args.case, snapshot)
    matrix = Matrix(
        cases=[snapshot],
        notebooks=[args.notebook],
        languages=[args.lang],
        variants=[VariantGroup(tuple(parse_seeds(args.seeds)))],
    )
    cases, runs = expand(matrix)
    out = tmp / "batch"
    try:
        print(f"{len(runs)} runs of {args.notebook} on {cores} cores; generating variants")
        started = time.perf_counter()
        prepare_variants(out, variants_of(runs))
        gen_s = time.perf_counter() - started

        print("sequential papermill (default threads):", flush=True)
        started = time.perf_counter()
        seq = sequential(cases, runs, out, tmp / "sequential")
        seq_wall = time.perf_counter() - started

        print("dxcase batch:", flush=True)
        started = time.perf_counter()
        result = run_batch(matrix, out, workers=args.workers, progress=False, echo=print, lang="en")
        batch_wall = time.perf_counter() - started
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    batch_cpu = sum(r.get("cpu_seconds") or 0 for r in result.records.values())
    seq_cpu = sum(r["cpu_s"] for r in seq)
    floor = batch_cpu / cores
    target = max(seq_wall / 1.8, 1.15 * floor)
    diffs = []
    for run, s in zip(runs, seq, strict=True):
        b = result.records[run.id].get("figures") or {}
        for k, v in s["figures"].items():
            if k in b and v:
                diffs.append(abs(b[k] - v) / abs(v))
    summary = {
        "what": f"{len(runs)} runs of {Path(args.case).name}/{args.notebook}, seeds {args.seeds}",
        "machine": {
            "cores": cores,
            "python": platform.python_version(),
            "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
        },
        "variant_generation_s": round(gen_s, 2),
        "sequential_papermill": {
            "wall_s": round(seq_wall, 2),
            "cpu_s": round(seq_cpu, 2),
            "runs_ok": sum(r["ok"] for r in seq),
            "runs": seq,
        },
        "dxcase_batch": {
            "wall_s": round(batch_wall, 2),
            "cpu_s": round(batch_cpu, 2),
            "workers": result.workers,
            "threads_per_kernel": result.threads,
            "runs_ok": len(runs) - len(result.failed_runs),
            "story_ok": not result.failed_conditions,
            "idle_share": round(1 - batch_cpu / (batch_wall * cores), 3),
            "runs": [
                {k: result.records[r.id].get(k) for k in ("seconds", "cpu_seconds", "peak_mib")}
                for r in runs
            ],
        },
        "floor_s": round(floor, 2),
        "speedup_vs_sequential": round(seq_wall / batch_wall, 3),
        "batch_over_floor": round(batch_wall / floor, 3),
        "target_s": round(target, 2),
        "meets_target": batch_wall <= target,
        "figures_max_rel_diff_sequential_vs_batch": round(max(diffs), 6) if diffs else None,
        "measured": time.strftime("%Y-%m-%d %H:%M"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"\nsequential papermill: {seq_wall:.1f} s wall ({seq_cpu:.1f} s CPU)\n"
        f"dxcase batch:         {batch_wall:.1f} s wall ({batch_cpu:.1f} s CPU,"
        f" {result.workers} workers x {result.threads} thread(s))\n"
        f"floor (CPU / {cores} cores): {floor:.1f} s\n"
        f"speedup vs sequential: {seq_wall / batch_wall:.2f}x (goal >= 1.8x)\n"
        f"batch / floor:         {batch_wall / floor:.2f} (goal <= 1.15)\n"
        f"target max(seq/1.8, 1.15 x floor) = {target:.1f} s: "
        + ("MET" if batch_wall <= target else "NOT MET")
        + f"\nwrote {RESULTS.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
