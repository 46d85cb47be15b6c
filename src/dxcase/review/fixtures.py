"""Small presentation notebooks and a roster for tests and the demo (no real case needed)."""

from __future__ import annotations

import csv
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from nbgrader.api import Gradebook

PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def presentation_notebook(author: str, quality: int, extra_md: str = "") -> nbformat.NotebookNode:
    """A short phase-4 presentation whose level of detail grows with ``quality`` (1..4)."""
    loss = [
        "",
        "損失は大きい。",
        "発注担当の工数は 1 日 30 分。",
        "工数は 1 日 30 分×20 店=年 3,650 時間、約 900 万円。",
    ]
    nb = new_notebook(metadata={"authors": [{"name": author}]})
    nb.cells = [
        new_markdown_cell(f"# 需要予測の導入提案\n\n作成: {author}\n\n{extra_md}"),
        new_markdown_cell("## 1. ビジネス課題\n\n" + loss[min(quality, 4) - 1]),
        new_markdown_cell("## 2. 要件\n\n予測対象: 店舗×品目×日、ホライズン 7 日、KPI は WMAPE。"),
        new_code_cell(
            "print(wmape)",
            outputs=[
                new_output("stream", name="stdout", text=f"WMAPE {0.35 - 0.03 * quality:.3f}\n"),
                new_output("display_data", data={"image/png": PNG_1PX, "text/plain": "<Figure>"}),
            ],
        ),
        new_markdown_cell("## 4. 示唆と展開\n\n" + "段階的に展開する。" * quality),
    ]
    return nb


def write_course(
    root: str | Path,
    n: int = 12,
    team_size: int = 3,
    assignment: str = "retail_demand",
    notebook: str = "04_presentation",
    skip: tuple[str, ...] = (),
) -> Path:
    """An nbgrader-style course folder: roster.csv and submitted/<id>/<assignment>/<nb>.ipynb."""
    root = Path(root)
    rows = []
    for i in range(n):
        lid = f"learner{i + 1:02d}"
        rows.append(
            {"id": lid, "team": f"team{i // team_size + 1}", "lang": "ja", "name": f"学習者{i + 1}"}
        )
        if lid in skip:
            continue
        folder = root / "submitted" / lid / assignment
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(presentation_notebook(lid, 1 + i % 4), folder / f"{notebook}.ipynb")
    with (root / "roster.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "team", "lang", "name"])
        w.writeheader()
        w.writerows(rows)
    return root


def write_gradebook(path: str | Path, course_id: str, learners: list[str]) -> str:
    """An nbgrader gradebook for retail_demand/04_presentation built with nbgrader's API:
    a manually graded answer ``pitch`` (6 points), a manually graded task ``rollout`` (4) and
    an autograded ``holdout_score`` (5); one submission per learner. Returns its URL."""
    from dxcase.review.gradebook import _alembic_on_path

    url = f"sqlite:///{path}"
    _alembic_on_path()
    nb, case = "04_presentation", "retail_demand"
    with Gradebook(url, course_id=course_id) as gb:
        gb.add_assignment(case)
        gb.add_notebook(nb, case)
        gb.add_grade_cell("pitch", nb, case, max_score=6, cell_type="markdown")
        gb.add_solution_cell("pitch", nb, case)
        gb.add_task_cell("rollout", nb, case, max_score=4, cell_type="markdown")
        gb.add_grade_cell("holdout_score", nb, case, max_score=5, cell_type="code")
        for u in learners:
            gb.add_student(u)
            gb.add_submission(case, u)
    return url
