"""The hub's pieces without a running hub: settings, names, seeds, config, owner check."""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path

import pytest
from traitlets.config import Config

from dxcase.errors import InputError
from dxcase.grade.course import Learner, write_roster
from dxcase.hub.accounts import TRANSLATION, write_lab_defaults
from dxcase.hub.cohort import HubCohort, check_names, load_cohort
from dxcase.hub.config import configure
from dxcase.hub.exchange import quarantine_impostors
from dxcase.hub.provision import SECRETS, init_cohort


def _cohort(root: Path, learners: dict[str, str] | None = None) -> HubCohort:
    cohort = HubCohort(root, "c1", ["retail_demand"], learners or {"ann": "ja", "bob": "en"},
                       ["coach"])  # fmt: skip
    cohort.hub_dir.mkdir(parents=True)
    for name in SECRETS:
        cohort.secret(name).write_text("s3cret-" + name)
    cohort.save()
    return cohort


def test_settings_round_trip_and_errors_name_the_field(tmp_path):
    cohort = _cohort(tmp_path / "c")
    again = load_cohort(tmp_path / "c")
    assert again.learners == {"ann": "ja", "bob": "en"} and again.course == cohort.course
    data = json.loads((tmp_path / "c" / "hub.json").read_text())
    data["port"], data["learners"]["Root!"] = "eighty", "ja"
    (tmp_path / "c" / "hub.json").write_text(json.dumps(data))
    with pytest.raises(InputError) as err:
        load_cohort(tmp_path / "c")
    text = str(err.value)
    assert "hub.json [port]" in text and "'Root!'" in text


def test_user_names_must_be_os_user_names():
    check_names(["learner01", "a_b-c"], "roster.csv")
    with pytest.raises(InputError) as err:
        check_names(["Learner 1", "ok", "ok", "x" * 40], "roster.csv")
    assert "roster.csv" in str(err.value) and "appears twice" in str(err.value)


@pytest.mark.skipif(os.geteuid() != 0, reason="dxcase hub init runs as root")
def test_per_learner_seeds_are_refused_before_anything_is_made(tmp_path):
    roster = tmp_path / "roster.csv"
    write_roster(roster, [Learner("ann", "t1", "ja", 7), Learner("bob", "t1")])
    with pytest.raises(InputError) as err:
        init_cohort(tmp_path / "c", ["retail_demand"], roster, ["coach"])
    assert "roster-seed" in str(err.value) and "ann: seed 7" in str(err.value)
    assert not (tmp_path / "c").exists()


def test_hub_config_groups_services_and_what_learners_cannot_see(tmp_path):
    cohort = _cohort(tmp_path / "c")
    c = Config()
    configure(c, cohort)
    assert c.JupyterHub.load_groups == {
        "learners": {"users": ["ann", "bob"]},
        "facilitators": {"users": ["coach"]},
    }
    assert c.Authenticator.allowed_users == {"ann", "bob", "coach"}
    assert {s["name"] for s in c.JupyterHub.services} == {"review", "idle-culler", "ops"}
    review = next(s for s in c.JupyterHub.services if s["name"] == "review")
    assert review["command"][1:3] == ["review", "serve"] and review["oauth_no_confirm"]
    hidden = c.CohortSpawner.hide_paths
    assert str(cohort.course) in hidden and str(cohort.hub_dir) in hidden
    assert any(p.endswith("graders") for p in hidden)
    assert any(p.endswith("casestudies") for p in hidden)
    import dxcase  # the reference lessons left the runtime: nothing of dxcase is to hide

    assert not (Path(dxcase.__file__).parent / "data" / "lessons").exists()
    assert c.CohortSpawner.languages == {"ann": "ja", "bob": "en"}
    assert c.JupyterHub.ip == "127.0.0.1" and c.JupyterHub.spawner_class.endswith("CohortSpawner")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs files owned by another user")
def test_a_submission_in_another_learners_name_is_quarantined(tmp_path):
    cohort = _cohort(tmp_path / "c", {"nobody": "ja"})
    inbound = cohort.exchange / cohort.name / "inbound"
    honest = inbound / "nobody+retail_demand+2026-11-26 10:00:00.000000 UTC+abc"
    forged = inbound / "nobody+retail_demand+2026-11-26 11:00:00.000000 UTC+def"
    for entry in (honest, forged):
        entry.mkdir(parents=True)
    nobody = pwd.getpwnam("nobody")
    os.chown(honest, nobody.pw_uid, nobody.pw_gid)  # forged stays root's: not the learner's
    moved = quarantine_impostors(cohort, "retail_demand")
    assert len(moved) == 1 and "owner root" in moved[0]
    assert honest.exists() and not forged.exists()
    assert (cohort.course / "dxcase" / "quarantine" / forged.name).is_dir()


def test_lab_language_default_is_written_once(tmp_path):
    owner = (os.getuid(), os.getgid())
    write_lab_defaults(tmp_path, owner, "en")
    setting = tmp_path / TRANSLATION / "plugin.jupyterlab-settings"
    assert json.loads(setting.read_text()) == {"locale": "en"}
    setting.write_text(json.dumps({"locale": "ja_JP"}))  # the learner's own choice stays
    write_lab_defaults(tmp_path, owner, "en")
    assert json.loads(setting.read_text()) == {"locale": "ja_JP"}
