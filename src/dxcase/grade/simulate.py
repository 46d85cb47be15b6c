"""A simulated cohort of a case's submissions (for the demo, CI and the benchmark).

Personas, from the release and the case source: ``strong`` answers every task right,
``average`` gets about two thirds right and a rougher holdout forecast, ``weak`` a third right
and leaves many blank, ``incomplete`` submits only the first two notebooks, ``broken`` stops
with an error early and sends one file that is not a notebook, ``late`` works like ``average``
(its submission time is set by the caller), ``tamper`` works like ``average`` and edits the first
test cell. Grading needs nothing else, so grading results can be compared across graders (stock
nbgrader and dxcase) run on these files. :func:`make_submission` returns what it did per task
(right, wrong, blank, error), which :mod:`dxcase.cohort.simulate` turns into event logs.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import nbformat

from dxcase.author.casefile import Case
from dxcase.author.checksfile import load_checks
from dxcase.author.notebooks import SOLUTION, for_language, nbgrader_meta, read_notebook, regions
from dxcase.grade.course import Course, Learner

PERSONAS = ("strong", "average", "weak", "incomplete", "broken")
RIGHT_SHARE = {"strong": 1.0, "average": 0.67, "weak": 0.34, "incomplete": 1.0, "broken": 0.0}
LIKE = {"late": "average", "tamper": "average"}  # personas that answer like another one
TEXT = {
    "strong": "本部の AI 予測で店舗の予測作業をなくし、精度も改善する。/ Central AI forecast.",
    "average": "AI 予測を導入する。/ Introduce the AI forecast.",
}


def _wrong(kind: str, variable: str) -> str:
    return {
        "number": f"{variable} = {variable} * 1.37 + 1",
        "choice": f"{variable} = 'not_this_one'",
        "subset": f"{variable} = set(list({variable})[:1])",
        "dataframe": f"{variable} = {variable}.head(1)",
        "forecast_file": (
            f"_f = pd.read_csv({variable}); _f['forecast'] = _f['forecast'] * 1.35;"
            f" _f.to_csv({variable}, index=False)"
        ),
    }.get(kind, f"{variable} = None")


def persona_of(index: int) -> str:
    return PERSONAS[index % len(PERSONAS)]


def make_submission(
    case: Case, release: Path, dest: Path, persona: str, seed: int
) -> dict[str, str]:
    """Write one learner's assignment folder (release files + answered notebooks) to ``dest``.

    Returns task id -> ``right``, ``wrong``, ``blank`` or ``error`` for every task answered.
    """
    tamper = persona == "tamper"
    persona = LIKE.get(persona, persona)
    rng = random.Random(seed)
    done: dict[str, str] = {}
    tasks = load_checks(case, "ja").tasks
    shutil.copytree(release, dest, dirs_exist_ok=True)
    names = [p.notebook for p in case.phases]
    for i, (name, src_path) in enumerate(zip(names, case.notebooks, strict=True)):
        path = dest / f"{name}.ipynb"
        if persona == "incomplete" and i >= 2:
            path.unlink()
            continue
        if persona == "broken" and i == 1:
            path.write_text('{"cells": [ this is not json', encoding="utf-8")
            continue
        source = {
            nbgrader_meta(c).get("grade_id"): c
            for c in for_language(read_notebook(src_path), "ja").cells
            if nbgrader_meta(c).get("solution")
        }
        nb = nbformat.read(str(path), as_version=4)
        first = True
        for cell in nb.cells:
            gid = nbgrader_meta(cell).get("grade_id")
            if not nbgrader_meta(cell).get("solution") or gid not in source:
                continue
            if cell.cell_type == "markdown":
                if persona in TEXT:
                    cell.source = TEXT[persona]
                continue
            tid = gid.removesuffix("_answer")
            if persona == "broken" and first:
                cell.source = "raise RuntimeError('half-finished work')"
                first = False
                done[tid] = "error"
                continue
            task = tasks.get(tid)
            roll = rng.random()
            if roll >= RIGHT_SHARE[persona] and persona == "weak" and roll > 0.67:
                done[tid] = "blank"
                continue  # left blank: the release stub stays
            answer = "\n".join(regions(source[gid].source, SOLUTION))
            done[tid] = "right"
            if task is not None and (
                roll >= RIGHT_SHARE[persona]
                or (task.kind == "forecast_file" and persona != "strong")
            ):
                answer += "\n" + _wrong(task.kind, task.variable)
                done[tid] = "wrong"
            cell.source = answer
        if tamper and i == 0:
            _edit_first_test(nb)
        nbformat.write(nb, str(path))
    return done


def _edit_first_test(nb) -> None:
    """What a tampering learner does: make a test cell pass whatever the answer."""
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            cell.source = "pass  # the test always passes now"
            return


def make_cohort(
    case: Case, release: Path, out: Path, n: int, seeds: list[int] | None = None
) -> list[Learner]:
    """``n`` learners' folders under ``out/<id>/`` and their roster entries."""
    learners = []
    for i in range(n):
        persona = persona_of(i)
        lid = f"l{i:03d}_{persona}"
        seed = seeds[i % len(seeds)] if seeds else None
        make_submission(case, release, out / lid, persona, 1000 + i)
        learners.append(Learner(lid, f"team{i // 5 + 1}", "en" if i % 3 == 2 else "ja", seed))
    return learners


def release_of(course: Course, assignment: str) -> Path:
    return course.root / "release" / assignment
