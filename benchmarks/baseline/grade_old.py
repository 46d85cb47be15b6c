"""Run inside the baseline checkout's own venv: grade the shared submissions the old way.

Sets up a course with the baseline's case source (hidden tests), imports the submissions,
runs stock ``nbgrader autograde`` (serial) and the baseline's ``dxcase grade`` on copies, and
prints one JSON object. Usage: ``python grade_old.py SUBS WORK WORKERS``.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from dxcase.grade.course import open_course, read_roster, setup_case_course
from dxcase.grade.intake import import_submissions
from dxcase.grade.runner import Grader

CASE = "retail_demand"


def scores(course_dir: Path) -> dict[str, float]:
    out = {}
    with open_course(course_dir).gradebook() as gb:
        for sub in gb.assignment_submissions(CASE):
            for nb in sub.notebooks:
                out[f"{sub.student.id}/{nb.name}"] = round(nb.score, 6)
    return out


def main() -> None:
    subs, work, workers = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    base = work / "old-base"
    setup_case_course(base, CASE, list(read_roster(work / "roster.csv").values()))
    import_submissions(open_course(base), CASE, subs)
    grader = Grader(open_course(base), CASE, 1, progress=False)
    grader._data_for(next(iter(open_course(base).roster)))
    variant = next((base / "dxcase" / "variants").iterdir())
    result = {}

    stock = work / "old-stock"
    shutil.copytree(base, stock)
    for sub in (stock / "submitted").iterdir():
        shutil.copytree(variant / "data", sub / CASE / "data", dirs_exist_ok=True)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "DXCASE_EVENTS": "0", "DXCASE_HOLDOUT_DIR": str(variant / "holdout"),
           "DXCASE_CASE_DIR": str(Path(__import__("dxcase").__file__).parents[2] / "casestudies" / CASE),
           "MPLBACKEND": "agg"}  # fmt: skip
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "nbgrader", "autograde", CASE, "--force",
           f"--CourseDirectory.root={stock}", "--Execute.timeout=600"]  # fmt: skip
    subprocess.run(cmd, cwd=stock, env=env, capture_output=True, check=False)
    result["stock"] = {"wall_s": round(time.perf_counter() - started, 1), "scores": scores(stock)}

    old = work / "old-dxcase"
    shutil.copytree(base, old)
    batch = Grader(open_course(old), CASE, workers, progress=False).run()
    result["old_dxcase"] = {
        "wall_s": round(batch.wall_s, 1),
        "kernel_cpu_s": round(sum(o.cpu_seconds or 0 for o in batch.outcomes), 1),
        "notebooks": len([o for o in batch.outcomes if o.cpu_seconds is not None]),
        "scores": scores(old),
    }
    print("BASELINE-JSON " + json.dumps(result))


if __name__ == "__main__":
    main()
