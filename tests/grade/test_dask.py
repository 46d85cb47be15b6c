"""The same grading on a Dask cluster (``--scheduler``): a LocalCluster in tests."""

from __future__ import annotations

import csv
import shutil

import pytest

from dxcase.grade.course import open_course
from dxcase.grade.runner import Grader
from tests.grade.conftest import USER_GUIDE


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_scores(course_copy, tmp_path):
    distributed = pytest.importorskip("distributed")
    shutil.copytree(USER_GUIDE / "submitted", course_copy / "submitted")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:  # fmt: skip
        grader = Grader(open_course(course_copy), "ps1", scheduler=cluster.scheduler_address,
                        work_dir=tmp_path / "w", progress=False)  # fmt: skip
        batch = grader.run()
    with (USER_GUIDE / "grades.csv").open() as fh:
        expected = {row["student_id"]: float(row["score"]) for row in csv.DictReader(fh)}
    got: dict[str, float] = {}
    for o in batch.outcomes:
        got[o.student] = got.get(o.student, 0) + o.score
    assert got == expected
