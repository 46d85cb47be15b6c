"""Peer review benchmarks (DESIGN.md section 5): service latency under 200 reviewers, reviewer
assignment time for 1,000 and 10,000 learners, and the aggregation simulation's error table.

The service runs as its own process (``dxcase review serve --standalone`` on loopback, SQLite);
this process is the load generator: 200 simulated reviewers log in, list their assignments,
open a submission, save a draft and submit, with 1 to 3 s of think time between steps.
Results: ``benchmarks/results/review.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import numpy as np

from dxcase.review.assign import Learner, initial_assignment
from dxcase.review.fixtures import write_course
from dxcase.review.round import RoundSpec, create_round, find_notebooks, read_roster
from dxcase.review.rubric import load_rubric
from dxcase.review.service.auth import add_token
from dxcase.review.simulate import run_simulation
from dxcase.review.store import Store
from dxcase.review.store.models import utcnow

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "review.json"
CRITERIA = [c.id for c in load_rubric(ROOT / "rubrics" / "presentation.yaml").criteria]


def bench_assignment(sizes=(1_000, 10_000), k: int = 3, repeats: int = 5) -> dict:
    out = {}
    for n in sizes:
        learners = [Learner(f"u{i}", f"t{i // 5}") for i in range(n)]
        times = []
        for r in range(repeats):
            t0 = time.perf_counter()
            initial_assignment(learners, k, seed=r, conflicts={"u0": ["u7", "u9"]})
            times.append(time.perf_counter() - t0)
        out[str(n)] = {
            "k": k,
            "median_s": round(statistics.median(times), 4),
            "max_s": round(max(times), 4),
        }
    return out


def bench_simulation(reps: int = 20) -> list[dict]:
    rows = []
    for k in (3, 4):
        for cal in (0, 2):
            for r in run_simulation(reps=reps, n=300, k=k, calibration=cal):
                rows.append({"k": k, "calibration_examples": cal, **r.__dict__})
    return rows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Reviewer:
    """One simulated reviewer: its own cookies and one kept-alive connection, as a browser has."""

    def __init__(self, base: str, token: str, lat: dict[str, list[float]], rng: random.Random):
        self.base, self.token, self.lat, self.rng = base, token, lat, rng
        self.cookies: dict[str, str] = {}
        self.http: aiohttp.ClientSession | None = None

    async def call(self, kind: str, path: str, method: str = "GET", body=None, headers=None):
        hdr = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} | (headers or {})
        t0 = time.perf_counter()
        async with self.http.request(
            method, self.base + path, data=body, headers=hdr, allow_redirects=False
        ) as resp:
            text = await resp.text()
        self.lat.setdefault(kind, []).append(time.perf_counter() - t0)
        for raw in resp.headers.getall("Set-Cookie", []):
            for key, morsel in SimpleCookie(raw).items():
                self.cookies[key] = morsel.value
        if resp.status >= 400:
            raise RuntimeError(f"{kind} {path}: HTTP {resp.status}")
        return text

    async def think(self) -> None:
        await asyncio.sleep(self.rng.uniform(1.0, 3.0))

    async def run(self) -> int:
        connector = aiohttp.TCPConnector(limit=1)
        timeout = aiohttp.ClientTimeout(total=30)
        cookies = aiohttp.DummyCookieJar()  # cookies are handled above, per reviewer
        async with aiohttp.ClientSession(
            connector=connector, timeout=timeout, cookie_jar=cookies
        ) as self.http:
            return await self._session()

    async def _session(self) -> int:
        await self.think()
        await self.call("login_page", "login")
        body = urlencode({"token": self.token, "_xsrf": self.cookies["_xsrf"]})
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        await self.call("login", "login", "POST", body, form)
        done = 0
        while True:
            await self.think()
            home = await self.call("list_assignments", "")
            ids = [int(x.split('"')[0]) for x in home.split('href="/a/')[1:]]
            if not ids:
                return done
            await self.think()
            await self.call("open_submission", f"a/{ids[0]}")
            xsrf = {"X-XSRFToken": self.cookies["_xsrf"], "Content-Type": "application/json"}
            draft = {"scores": {"business_issue": self.rng.randint(1, 4)}}
            await self.think()
            await self.call("save_draft", f"a/{ids[0]}/draft", "POST", json.dumps(draft), xsrf)
            review = {
                "scores": {c: self.rng.randint(1, 4) for c in CRITERIA},
                "comments": dict.fromkeys(CRITERIA[:4], "根拠となる数字があり、判断に使えます。"),
                "overall_comment": "結論が先にあり、展開計画も具体的でした。",
            }
            await self.think()
            await self.call("submit_review", f"a/{ids[0]}/submit", "POST", json.dumps(review), xsrf)
            done += 1


async def _load(
    base: str, tokens: list[str], seed: int
) -> tuple[dict[str, list[float]], int, float]:
    lat: dict[str, list[float]] = {}
    rng = random.Random(seed)
    t0 = time.perf_counter()
    done = await asyncio.gather(
        *(Reviewer(base, tok, lat, random.Random(rng.random())).run() for tok in tokens)
    )
    return lat, sum(done), time.perf_counter() - t0


def bench_service(n: int = 200, k: int = 3) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="dxcase-bench-review-"))
    course = write_course(tmp / "course", n=n)
    store = Store(f"sqlite:///{tmp}/review.db")
    spec = RoundSpec("bench", "bench", "retail_demand", "04_presentation",
                     load_rubric(ROOT / "rubrics" / "presentation.yaml"), k=k, seed=1,
                     reviews_due_at=utcnow() + timedelta(days=1))  # fmt: skip
    roster = read_roster(course / "roster.csv")
    create_round(store, spec, roster, find_notebooks(course, "retail_demand", "04_presentation"))
    tokens = [add_token(store, e.id, "learner") for e in roster]
    store.close()
    port = _free_port()
    exe = Path(sys.executable).parent / "dxcase"
    server = subprocess.Popen(
        [str(exe), "review", "serve", "--standalone", "--port", str(port), "--db", f"sqlite:///{tmp}/review.db"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "DXCASE_LANG": "ja"},
    )  # fmt: skip
    try:
        server.stdout.readline()  # "dxcase review service on ..."
        lat, submitted, wall = asyncio.run(_load(f"http://127.0.0.1:{port}/", tokens, 7))
    finally:
        server.terminate()
        server.wait(10)
    per = {
        kind: {
            "count": len(v),
            "p50_ms": round(float(np.percentile(v, 50)) * 1000, 1),
            "p95_ms": round(float(np.percentile(v, 95)) * 1000, 1),
            "max_ms": round(max(v) * 1000, 1),
        }
        for kind, v in sorted(lat.items())
    }
    check = Store(f"sqlite:///{tmp}/review.db")
    from dxcase.review.reviewing import count_reviews

    stored = count_reviews(check, 1)
    return {"reviewers": n, "k": k, "reviews_submitted": submitted, "reviews_stored": stored,
            "wall_s": round(wall, 1), "requests": per,
            "p95_target_ms": 100, "p95_ok": all(x["p95_ms"] <= 100 for x in per.values())}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reviewers", type=int, default=200)
    ap.add_argument("--sim-reps", type=int, default=20)
    args = ap.parse_args()
    result = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    result["assignment"] = bench_assignment()
    print("assignment (k=3, teams of 5):", json.dumps(result["assignment"]))
    result["simulation"] = bench_simulation(args.sim_reps)
    print("simulation (300 learners, mean over reps):")
    print("  k cal method   MAE    RMSE   total-MAE  exact")
    for r in result["simulation"]:
        print(f"  {r['k']} {r['calibration_examples']}   {r['method']:7s} {r['mae']:.3f}  {r['rmse']:.3f}  "
              f"{r['total_mae']:.3f}      {r['exact']:.3f}")  # fmt: skip
    result["service"] = bench_service(args.reviewers)
    svc = result["service"]
    print(f"service: {svc['reviewers']} reviewers, {svc['reviews_submitted']} reviews submitted, "
          f"{svc['reviews_stored']} stored, {svc['wall_s']} s")  # fmt: skip
    for kind, v in svc["requests"].items():
        print(
            f"  {kind:17s} n={v['count']:4d}  p50 {v['p50_ms']:6.1f} ms  p95 {v['p95_ms']:6.1f} ms  max {v['max_ms']:6.1f} ms"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
