"""Time generation and validation of both datasets at default and 10x scale, with peak memory.

Each step runs in a fresh child process so its peak memory (ru_maxrss) is its own. Run with
``make bench``; prints a table and writes benchmarks/results/data.json.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATASETS = ("retail_sales", "parts_orders")
SCALES = (1.0, 10.0)
STEP = """
import sys
from dxcase.data.generate import generate_variant
from dxcase.data.validate import validate_dir
name, scale, out, hold, what = sys.argv[1], float(sys.argv[2]), *sys.argv[3:6]
if what == "generate":
    generate_variant(name, scale=scale, out_dir=out, holdout_dir=hold, overwrite=True)
else:
    report = validate_dir(out)
    assert not report.has_errors, report.lines()
import resource
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def run_step(name: str, scale: float, out: Path, hold: Path, what: str) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", STEP, name, str(scale), str(out), str(hold), what],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_kib = int(done.stdout.strip().splitlines()[-1])  # the child's own ru_maxrss
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2),
        "peak_mib": round(peak_kib / 1024, 0),
    }


def folder_mib(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.iterdir()) / 2**20, 1)


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in DATASETS:
            for scale in SCALES:
                out, hold = Path(tmp) / f"{name}-{scale}", Path(tmp) / f"{name}-{scale}-hold"
                gen = run_step(name, scale, out, hold, "generate")
                val = run_step(name, scale, out, hold, "validate")
                rows.append(
                    {
                        "dataset": name,
                        "scale": scale,
                        "learner_mib": folder_mib(out),
                        "generate": gen,
                        "validate": val,
                    }
                )
                print(
                    f"{name:13s} x{scale:<4g} {folder_mib(out):7.1f} MiB | generate "
                    f"{gen['wall_s']:6.1f} s, peak {gen['peak_mib']:5.0f} MiB | validate "
                    f"{val['wall_s']:6.1f} s, peak {val['peak_mib']:5.0f} MiB",
                    flush=True,
                )
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    (results / "data.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
