"""``dxcase hub init``: make a cohort ready for JupyterHub on one machine (run as root).

One nbgrader course per cohort, one assignment per case, released to the shared-folder
exchange with the learners' dataset variant (never the holdout), OS accounts with private homes
from the roster, the settings every learner server reads, and the hub's secrets.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from dxcase.errors import DxcaseError, InputError, Problem
from dxcase.grade.course import (
    ROSTER,
    Learner,
    alembic_on_path,
    ensure_variant,
    open_course,
    read_roster,
    setup_case_course,
    write_roster,
)
from dxcase.hub.accounts import ensure_account, write_lab_defaults
from dxcase.hub.cohort import NAME_RE, HubCohort, check_names

SECRETS = ("password", "cookie_secret", "review_cookie_secret", "ops_token")


def require_root(what: str) -> None:
    if os.geteuid() != 0:
        raise DxcaseError(
            f"{what} needs root: it creates one OS user per learner and runs each learner's "
            "server as that user (run it with sudo, or as root in a container)"
        )


def exchange_config(cohort: HubCohort) -> str:
    """nbgrader settings shared by the course and every learner server."""
    return (
        f"c.CourseDirectory.course_id = {cohort.name!r}\n"
        f"c.Exchange.root = {str(cohort.exchange)!r}\n"
        "c.Exchange.path_includes_course = True\n"
    )


def learner_nbgrader_config(cohort: HubCohort) -> str:
    """A learner's nbgrader identity is the hub user, never the OS account's guess."""
    return (
        "import os\n\n"
        + exchange_config(cohort)
        + 'c.CourseDirectory.student_id = os.environ.get("JUPYTERHUB_USER", "")\n'
    )


LEARNER_SERVER_CONFIG = """\
# Learners' servers: no formgrader (it would treat the home folder as a course), no course list
c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.validate_assignment": False,
}
c.ServerApp.terminals_enabled = True
"""

# ... and no instructor panels in their JupyterLab (nbgrader's create-assignment sidebar, the
# formgrader and course list). nbgrader's Validate is off too: it would say "passes all the
# tests" for graded tasks whose answer only the trusted side knows; check() says what it knows.
LEARNER_LAB_HIDDEN = {
    "@jupyter/nbgrader:create-assignment": True,
    "@jupyter/nbgrader:formgrader": True,
    "@jupyter/nbgrader:course-list": True,
    "@jupyter/nbgrader:validate-assignment": True,
}


def init_cohort(
    root: Path,
    cases: list[str],
    roster: Path,
    facilitators: list[str],
    *,
    name: str | None = None,
    seed: int | None = None,
    threads: int | None = None,
    echo: Callable[[str], None] = lambda _: None,
    **settings: int,
) -> HubCohort:
    """Create or refresh the cohort in ``root`` (idempotent: rerun after editing the roster)."""
    require_root("dxcase hub init")
    root = root.resolve()
    learners = read_roster(roster)
    if not learners:
        raise InputError(
            f"{roster}: roster has no learners", [Problem(str(roster), "roster", "empty")]
        )
    check_names(list(learners), str(roster))
    check_names(facilitators, "--facilitator")
    both = sorted(set(learners) & set(facilitators))
    if both:
        raise DxcaseError(f"{roster}: {', '.join(both)} are both learner and facilitator")
    _check_seeds(roster, learners, seed)
    course_id = name or root.name.replace("-", "_").lower()
    if not NAME_RE.match(course_id):
        raise DxcaseError(
            f"{root}: the folder's name {course_id!r} is the nbgrader course id; "
            "use a-z, 0-9 and _ (starting with a letter)"
        )
    cores = os.cpu_count() or 1
    cohort = HubCohort(
        root=root,
        name=course_id,
        cases=cases,
        learners={x.id: x.lang for x in learners.values()},
        facilitators=facilitators,
        threads=threads or max(1, cores // max(1, min(len(learners), cores))),
        seed=seed,
        **settings,
    )
    _folders(cohort)
    _course(cohort, list(learners.values()), echo)
    _learner_config(cohort)
    for user in cohort.users:
        echo(f"account {user}")
        owner = ensure_account(user, cohort.home(user))
        write_lab_defaults(cohort.home(user), owner, cohort.learners.get(user, "ja"))
    _secrets(cohort)
    cohort.save()
    return cohort


def _check_seeds(roster: Path, learners: dict[str, Learner], seed: int | None) -> None:
    """On a hub every learner fetches the same release, so the roster may not vary the seed."""
    release = "the case default" if seed is None else str(seed)
    bad = [
        Problem(
            str(roster),
            "roster-seed",
            f"{x.id}: seed {x.seed} differs from the release's ({release}); leave it empty",
            None,
            "seed",
        )
        for x in learners.values()
        if x.seed is not None and x.seed != seed
    ]
    if bad:
        raise InputError(f"{roster}: per-learner dataset seeds are not supported on a hub", bad)


def _folders(cohort: HubCohort) -> None:
    modes = {
        cohort.root: 0o711,
        cohort.course: 0o700,
        cohort.hub_dir: 0o700,
        cohort.exchange: 0o1777,
        cohort.learner_config: 0o755,
        cohort.homes: 0o711,
    }
    for path, mode in modes.items():
        path.mkdir(parents=True, exist_ok=True)
        os.chown(path, 0, 0)
        os.chmod(path, mode)


def _course(cohort: HubCohort, learners: list[Learner], echo: Callable[[str], None]) -> None:
    from dxcase.author.casefile import load_case
    from dxcase.paths import content_root

    for slug in cohort.cases:
        echo(f"course: {slug} (nbgrader generate_assignment)")
        setup_case_course(cohort.course, slug, learners)
    config = cohort.course / "nbgrader_config.py"
    config.write_text(config.read_text(encoding="utf-8") + exchange_config(cohort), "utf-8")
    write_roster(cohort.course / ROSTER, learners)
    course = open_course(cohort.course)
    for slug in cohort.cases:
        case = load_case(content_root("casestudies") / slug)
        release = cohort.course / "release" / slug
        if case.datasets:
            use = case.dataset
            echo(f"data: {use.name} seed {cohort.seed or use.seed} (learner part only)")
            variant = ensure_variant(course, use, use.seed if cohort.seed is None else cohort.seed)
            shutil.rmtree(release / "data", ignore_errors=True)
            shutil.copytree(variant / "data", release / "data")
            from dxcase.grade.keys import course_keys

            echo(f"answer keys: {slug}")
            for key in course_keys(course, case, progress=False).values():
                for problem in key.problems:
                    echo(f"  answer key problem: {problem}")
        echo(f"release: {slug} (nbgrader release_assignment)")
        nbgrader(cohort, "release_assignment", slug, "--force")


def nbgrader(cohort: HubCohort, command: str, *args: str) -> str:
    """Run an nbgrader command in the course folder (as root); its output, or a clear error."""
    alembic_on_path()
    cmd = [sys.executable, "-m", "nbgrader", command, *args]
    cmd.append(f"--CourseDirectory.root={cohort.course}")
    proc = subprocess.run(cmd, cwd=cohort.course, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-12:])
        raise DxcaseError(f"nbgrader {command} {' '.join(args)} failed:\n{tail}")
    return proc.stdout + proc.stderr


def _learner_config(cohort: HubCohort) -> None:
    files = {
        "nbgrader_config.py": learner_nbgrader_config(cohort),
        "jupyter_server_config.py": LEARNER_SERVER_CONFIG,
        "labconfig/page_config.json": json.dumps({"disabledExtensions": LEARNER_LAB_HIDDEN}),
    }
    for name, text in files.items():
        path = cohort.learner_config / name
        path.parent.mkdir(mode=0o755, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        os.chmod(path, 0o644)


def _secrets(cohort: HubCohort) -> None:
    """Made once and kept: the shared login password, cookie secrets, the operators' token."""
    for name in SECRETS:
        path = cohort.secret(name)
        if path.is_file():
            continue
        value = secrets.token_urlsafe(9) if name == "password" else secrets.token_hex(32)
        path.write_text(value, encoding="utf-8")
        os.chmod(path, 0o600)


def read_secret(cohort: HubCohort, name: str) -> str:
    path = cohort.secret(name)
    if not path.is_file():
        raise DxcaseError(f"{path}: missing (rerun `dxcase hub init`)")
    return path.read_text(encoding="utf-8").strip()
