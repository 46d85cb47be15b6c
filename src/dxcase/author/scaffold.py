"""``dxcase author new SLUG``: a complete, small case that validates as soon as it is made."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import yaml

from dxcase.atomic import atomic_dir
from dxcase.author import cells as c
from dxcase.author.casefile import PHASES
from dxcase.errors import DxcaseError

SLUG = re.compile(r"^[a-z][a-z0-9_]{2,40}$")
PARAMETERS = """
DATA_DIR = "data"  # dataset variant folder / データセットのフォルダー (papermill injects it)
LANG = None  # None: the release's language; "ja" or "en"
SEED = 0
"""
SETUP = """
from pathlib import Path

import pandas as pd

from dxcase.check import load_tasks

tasks = load_tasks(lang=LANG, data_dir=DATA_DIR)
"""
TITLES = {
    "business_issue": ("ビジネス課題・要求定義", "Business issue"),
    "requirements": ("デジタル化課題・要件定義", "Requirements"),
    "trial": ("トライアル・業務適合性の検証", "Trial"),
    "presentation": ("意思決定者へのプレゼン", "Presentation"),
}


def _phase_notebook(index: int, phase: str) -> nbformat.NotebookNode:
    ja, en = TITLES[phase]
    cells: list = [
        c.text(
            f"# {index}. {ja}\n\nこのノートブックの目的をここに書きます。",
            f"# {index}. {en}\n\nWhat this notebook is for goes here.",
        ),
        c.parameters(PARAMETERS),
        c.code(SETUP),
    ]
    if phase == "business_issue":
        cells += [
            c.text(
                "## 練習 q1_1\n\nデータフォルダーにある CSV ファイルの数を `n_tables` に代入してください。",
                "## Practice q1_1\n\nAssign the number of CSV files in the data folder to `n_tables`.",
            ),
            c.code('q1_1, q1_2 = tasks.pick("q1_1", "q1_2")'),
            c.answer("q1_1_answer", "", 'n_tables = len(list(Path(DATA_DIR).glob("*.csv")))'),
            c.code("q1_1.check()"),
            c.text(
                "## 課題 q1_2\n\nすべての CSV ファイルの行数の合計を `n_rows` に代入してください。",
                "## Task q1_2\n\nAssign the total number of rows of all CSV files to `n_rows`.",
            ),
            c.answer(
                "q1_2_answer",
                "",
                'n_rows = sum(len(pd.read_csv(p)) for p in Path(DATA_DIR).glob("*.csv"))',
            ),
            c.code("q1_2.check()"),
            c.test("q1_2", 1),
        ]
    cells += [
        c.text(
            "## 記述課題\n\nあなたの考えを書いてください(ピアレビューで採点されます)。",
            "## Written task\n\nWrite your view here (scored by peer review).",
        ),
        c.free_text(f"{phase}_text", 2, "(解答例 / model answer)"),
    ]
    return c.notebook(cells)


def case_yaml(slug: str, dataset: str) -> dict:
    return {
        "slug": slug,
        "version": "0.1.0",
        "title": {"ja": f"{slug}(タイトルを書く)", "en": f"{slug} (write the title)"},
        "summary": {"ja": "ケースの概要を書きます。", "en": "What the case is about."},
        "company": {"ja": "架空の会社(匿名化済み)", "en": "A fictional company (anonymized)"},
        "decision_maker": {"ja": "意思決定者(役職)", "en": "The decision maker (role)"},
        "skills": [{"ja": "データの理解", "en": "Understanding data"}],
        "phases": [
            {
                "notebook": f"0{i}_{p}",
                "phase": p,
                "title": {"ja": TITLES[p][0], "en": TITLES[p][1]},
                "minutes": 60,
            }
            for i, p in enumerate(PHASES, 1)
        ],
        "datasets": [{"name": dataset, "seed": 2024, "params": {}, "parameter": "DATA_DIR"}],
        "practice": ["q1_1"],
        "rubric": "presentation",
        "grading": {"weights": {"autograded": 0.6, "holdout": 0.0, "peer_review": 0.4}},
        "hours": 4,
        "limits": {"seconds": 60, "memory_mib": 1024, "cores": 2},
    }


def checks_yaml() -> dict:
    hint = {
        "ja": '`Path(DATA_DIR).glob("*.csv")` でファイルを列挙できます。',
        "en": '`Path(DATA_DIR).glob("*.csv")` lists the files.',
    }
    return {
        "texts": {},
        "tasks": {
            "q1_1": {
                "notebook": "01_business_issue",
                "variable": "n_tables",
                "kind": "number",
                "visible": {"integer": True, "min": 1},
                "hints": [hint],
                "solution": 'n_tables = len(list(Path(DATA_DIR).glob("*.csv")))\n',
            },
            "q1_2": {
                "notebook": "01_business_issue",
                "variable": "n_rows",
                "kind": "number",
                "visible": {"integer": True, "min": 1},
                "hints": [
                    hint,
                    {
                        "ja": "各ファイルを `pd.read_csv` で読み、`len` を足し合わせます。",
                        "en": "Read each file with `pd.read_csv` and add up the `len` of each.",
                    },
                ],
            },
        },
    }


def new_case(slug: str, root: Path, dataset: str = "retail_sales") -> Path:
    """Create ``root/slug`` with case.yaml, checks.yaml and four phase notebooks."""
    if not SLUG.match(slug):
        raise DxcaseError(
            f"{slug!r}: a case slug is lower-case letters, digits and _ (3 to 41 characters), starting with a letter"
        )
    target = root / slug
    if target.exists():
        raise DxcaseError(f"{target} already exists")
    with atomic_dir(target) as tmp:
        dump = {"allow_unicode": True, "sort_keys": False}
        (tmp / "case.yaml").write_text(
            yaml.safe_dump(case_yaml(slug, dataset), **dump), encoding="utf-8"
        )
        (tmp / "checks.yaml").write_text(yaml.safe_dump(checks_yaml(), **dump), encoding="utf-8")
        for i, phase in enumerate(PHASES, 1):
            nbformat.write(_phase_notebook(i, phase), str(tmp / f"0{i}_{phase}.ipynb"))
        (tmp / "assets").mkdir()
        (tmp / "assets" / "README.md").write_text(
            "Images and files the notebooks show.\n", encoding="utf-8"
        )
    return target
