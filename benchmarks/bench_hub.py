"""What a cohort hub costs on this machine: start-up, server starts, memory per learner.

Makes a cohort with ``--learners`` learners (as root), starts its hub on loopback, starts every
server at once, then lets every learner run the case's notebooks (strong answers, uploaded
through the contents API) in their own kernel at the same time, and records the memory of each
learner's processes (server + kernel; resident now and the sum of each process's peak).
Results: ``benchmarks/results/hub.json``. Run: ``sudo .venv/bin/python benchmarks/bench_hub.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pwd
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.hub.hubclient

from tests.hub.conftest import fetch_once
from tests.hub.hubclient import Kernel, answer_and_upload, make_hub

from dxcase.grade.course import Learner

OUT = Path(__file__).parent / "results" / "hub.json"


def user_memory_mib(user: str) -> tuple[float, float]:
    """(resident now, sum of peaks) of every process of ``user``, in MiB."""
    uid = pwd.getpwnam(user).pw_uid
    rss = hwm = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat(f"/proc/{pid}").st_uid != uid:
                continue
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        rss += int(fields.get("VmRSS", "0 kB").split()[0])
        hwm += int(fields.get("VmHWM", "0 kB").split()[0])
    return round(rss / 1024, 1), round(hwm / 1024, 1)


def run_notebooks(hub, user: str, notebooks: list[str]) -> dict:
    """Every code cell of ``notebooks`` in the learner's kernel, one notebook after the other."""
    timings = {}
    for name in notebooks:
        path = f"{hub.cohort.name}/retail_demand/{name}.ipynb"
        cells = hub.as_user(user, "GET", f"/user/{user}/api/contents/{path}").json()
        kernel = Kernel(hub, user, path)
        started = time.perf_counter()
        errors = 0
        for cell in cells["content"]["cells"]:
            if cell["cell_type"] == "code":
                errors += "ERROR " in kernel.run(cell["source"], timeout=600)
        timings[name] = {"wall_s": round(time.perf_counter() - started, 1), "errors": errors}
        timings[name]["memory_mib_after"] = user_memory_mib(user)[0]
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=2)
    parser.add_argument("--notebooks", default="01_business_issue,03_trial,04_presentation")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: the hub makes one OS user per learner")
    names = [f"bench{i}" for i in range(1, args.learners + 1)]
    root = Path(tempfile.mkdtemp(prefix="dxhub-bench-")) / "cohort"
    t0 = time.perf_counter()
    hub = make_hub(root, [Learner(n, f"t{n}") for n in names], ["coach"])
    made_s = time.perf_counter() - t0
    try:
        t1 = time.perf_counter()
        hub.start_servers(names)
        spawn_s = time.perf_counter() - t1
        idle = {n: user_memory_mib(n)[0] for n in names}
        for n in names:
            fetch_once(hub, n)
        with ThreadPoolExecutor(len(names)) as pool:
            list(pool.map(lambda n: answer_and_upload(hub, n, "strong", root.parent / "w"), names))
        notebooks = args.notebooks.split(",")
        t2 = time.perf_counter()
        with ThreadPoolExecutor(len(names)) as pool:
            jobs = pool.map(lambda n: run_notebooks(hub, n, notebooks), names)
            runs = dict(zip(names, jobs, strict=True))
        work_s = time.perf_counter() - t2
        peaks = {n: user_memory_mib(n)[1] for n in names}
    finally:
        hub.stop()
        shutil.rmtree(root.parent, ignore_errors=True)
    result = {
        "note": "one cohort hub on loopback; learners run the notebooks at the same time, "
        "strong answers, OMP threads per server = cohort default (cores / learners)",
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
        "learners": len(names),
        "notebooks": notebooks,
        "init_and_hub_start_s": round(made_s, 1),
        "servers_started_at_once_ready_s": round(spawn_s, 1),
        "idle_server_rss_mib": idle,
        "runs": runs,
        "all_learners_work_wall_s": round(work_s, 1),
        "peak_mib_per_learner_sum_of_process_peaks": peaks,
        "load_average_at_end": os.getloadavg(),
    }
    OUT.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
