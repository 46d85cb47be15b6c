"""Rubric validation and reviewer assignment."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from dxcase.errors import InputError
from dxcase.review.assign import Eligibility, Learner, initial_assignment
from dxcase.review.rubric import load_rubric
from tests.conftest import run_cli
from tests.review.conftest import RUBRIC


def test_presentation_rubric_loads():
    r = load_rubric(RUBRIC)
    assert [c.id for c in r.criteria] == [
        "business_issue", "requirements_fit", "trial_validity", "implications_rollout", "communication",
    ]  # fmt: skip
    assert all(len(c.levels) == 4 and c.points() == [1, 2, 3, 4] for c in r.criteria)
    assert all(lv.descriptor["ja"] and lv.descriptor["en"] for c in r.criteria for lv in c.levels)
    assert r.max_total == 20


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.pop("criteria"), "criteria"),
        (
            lambda d: d["criteria"][1]["levels"][2].update(points="three"),
            "criteria[1].levels[2].points",
        ),
        (
            lambda d: d["criteria"][0]["levels"][1]["descriptor"].pop("en"),
            "criteria[0].levels[1].descriptor.en",
        ),
        (lambda d: d["criteria"][2].update(comment="sometimes"), "criteria[2].comment"),
        (lambda d: d["criteria"][3].update(id="business_issue"), "criteria[3].id"),
        (lambda d: d["criteria"][4]["levels"].reverse(), "criteria[4].levels"),
        (lambda d: d.update(colour="red"), "colour"),
        (
            lambda d: d["criteria"][0].update(levels=[d["criteria"][0]["levels"][0]]),
            "criteria[0].levels",
        ),
    ],
)
def test_bad_rubric_names_file_and_field(tmp_path, mutate, field):
    data = yaml.safe_load(RUBRIC.read_text(encoding="utf-8"))
    mutate(data)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_rubric(bad)
    fields = [p.column for p in exc.value.problems]
    assert field in fields
    assert all(p.file == str(bad) for p in exc.value.problems)


def test_check_rubric_cli_exit_codes(tmp_path):
    ok = run_cli("review", "check-rubric", str(RUBRIC))
    assert ok.returncode == 0 and "5 criteria" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: Bad Id\ntitle: {ja: x}\ncriteria: []\n", encoding="utf-8")
    res = run_cli("review", "check-rubric", str(bad))
    assert res.returncode != 0
    assert (
        f"{bad} [id]" in res.stderr
        and f"{bad} [title.en]" in res.stderr
        and "[criteria]" in res.stderr
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [unclosed\n", encoding="utf-8")
    res = run_cli("review", "check-rubric", str(broken))
    assert res.returncode != 0 and "not valid YAML" in res.stderr


def _learners(n: int, team: int = 3) -> list[Learner]:
    return [Learner(f"u{i:05d}", f"t{i // team}") for i in range(n)]


@pytest.mark.parametrize(("n", "team", "k"), [(12, 3, 3), (13, 5, 3), (101, 4, 4), (10_000, 5, 3)])
def test_assignment_balanced_and_eligible(n, team, k):
    learners = _learners(n, team)
    pairs = initial_assignment(learners, k, seed=42)
    elig = Eligibility(learners)
    assert len(pairs) == len(set(pairs)) == n * k
    assert all(elig.ok(r, a) for r, a in pairs)  # never own work, never own team
    assert set(Counter(a for _, a in pairs).values()) == {k}
    assert set(Counter(r for r, _ in pairs).values()) == {k}


def test_assignment_deterministic_for_seed_and_respects_conflicts():
    learners = _learners(30)
    conflicts = {"u00000": ["u00010", "u00020", "u00003"], "u00007": ["u00015"]}
    a = initial_assignment(learners, 3, 5, conflicts)
    assert a == initial_assignment(learners, 3, 5, conflicts)
    assert a != initial_assignment(learners, 3, 6, conflicts)
    bad = {("u00000", "u00010"), ("u00010", "u00000"), ("u00000", "u00020"), ("u00020", "u00000"),
           ("u00000", "u00003"), ("u00003", "u00000"), ("u00007", "u00015"), ("u00015", "u00007")}  # fmt: skip
    assert not bad & set(a)
    assert set(Counter(x for _, x in a).values()) == {3}


def test_assignment_too_few_learners_is_a_clear_error():
    with pytest.raises(InputError, match="cannot give each submission 3 reviewers"):
        initial_assignment(_learners(6, 3), 3, 0)
