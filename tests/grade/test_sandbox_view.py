"""What a graded kernel can see and leave behind (issue, part 7: the sandbox's allow-list).

One notebook runs in the sandbox as a learner and reports what it finds: the root folder holds
only the allow-list; a world-readable folder elsewhere on the machine (another course, the
repository's casestudies/, another run, another learner's data variant) is not there; files
written to /tmp, /dev/shm and /var/tmp are gone after the run; other processes' command lines
and environments show nothing of the grader's; and files beside the notebook (``numpy.py``, a
``dxcase/`` package, ``sitecustomize.py``) do not shadow the installed modules, while the
learner's own ``helpers.py`` still imports.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import uuid
from pathlib import Path

import nbformat
import pytest

import dxcase
from dxcase.grade.sandbox import Sandbox, _runtime_paths, give, kernel_env
from dxcase.kernels import run_notebook
from dxcase.paths import content_root

ROOT_ONLY = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None,
    reason="the isolated sandbox needs root and unshare (CI runs as root)",
)
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")

PROBE = r"""
import glob, json, os, sys
report = {"root": sorted(os.listdir("/")), "cwd": os.getcwd()}

def attempt(path):
    try:
        with open(path, "rb") as fh:
            return "read " + fh.read(40).decode("utf-8", "replace")
    except OSError as exc:
        return type(exc).__name__

report["reads"] = {p: attempt(p) for p in READS}
report["listings"] = {}
for p in LISTS:
    try:
        report["listings"][p] = sorted(os.listdir(p))
    except OSError as exc:
        report["listings"][p] = type(exc).__name__
report["writes"] = {}
for p in WRITES:
    try:
        with open(p, "w") as fh:
            fh.write("left behind")
        report["writes"][p] = "written"
    except OSError as exc:
        report["writes"][p] = type(exc).__name__
seen = []
for path in glob.glob("/proc/[0-9]*/cmdline") + glob.glob("/proc/[0-9]*/environ"):
    try:
        with open(path, "rb") as fh:
            seen.append(fh.read().replace(b"\0", b" ").decode("utf-8", "replace"))
    except OSError:
        pass
report["proc_text"] = "\n".join(seen)
report["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
report["mountinfo"] = open("/proc/self/mountinfo").read()
report["passwd"] = open("/etc/passwd").read()
"""

IMPORTS = r"""
import builtins, json, sys
found = {"sys_path": list(sys.path), "sitecustomize_ran": hasattr(builtins, "DXCASE_SHADOW_RAN")}
import numpy, dxcase, helpers
found["numpy"] = numpy.__file__
found["dxcase"] = dxcase.__file__
found["helpers"] = helpers.VALUE
found["dxcase_fake"] = hasattr(dxcase, "FAKE")
"""


def _notebook(*cells: str):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])


def _run(sandbox: Sandbox, learner: str, run_dir: Path, nb, read_only=()):
    owner = sandbox.user_for(learner)
    give(run_dir, owner)
    usage = sandbox.base / "state" / f"{run_dir.name}.json"
    return run_notebook(
        nb,
        run_dir,
        env=kernel_env(run_dir, {}),
        threads=1,
        cell_timeout=60,
        allow_errors=True,
        kernel_prefix=sandbox.prefix(owner, usage, read_only=read_only),
        runtime_dir=str(sandbox.socket_dir(owner)),
        inherit_env=False,
    )


def _printed(result) -> dict:
    """The JSON the notebook's last cell printed (the run must have succeeded)."""
    assert result.ok, (result.failure, [(e.ename, e.evalue) for e in result.errors])
    text = "".join(o.get("text", "") for o in result.notebook.cells[-1].outputs)
    return json.loads(text)


def _plant_shadows(run_dir: Path) -> None:
    (run_dir / "numpy.py").write_text("raise ImportError('a numpy.py beside the notebook')\n")
    (run_dir / "dxcase").mkdir()
    (run_dir / "dxcase" / "__init__.py").write_text("FAKE = True\n")
    (run_dir / "sitecustomize.py").write_text("import builtins\nbuiltins.DXCASE_SHADOW_RAN = 1\n")
    (run_dir / "helpers.py").write_text("VALUE = 42\n")


@pytest.fixture(scope="module")
def view(tmp_path_factory):
    """One sandboxed run that looks around; what it found, and what the test planted."""
    marker = f"DXCASE-GRADER-MARKER-{uuid.uuid4().hex[:10]}"
    token = uuid.uuid4().hex[:10]
    # a world-readable folder outside the allow-list: another course on the same machine
    elsewhere = Path("/srv") / f"dxcase-test-{token}"
    casestudies = content_root("casestudies")
    case_file = next(iter(sorted(casestudies.glob("*/case.yaml"))))
    work = tmp_path_factory.mktemp("view")
    os.chmod(work, 0o755)  # so that only the sandbox, not file modes, keeps the runs apart
    sandbox = Sandbox(work / "w", hide=[Path("/nonexistent") / marker])
    try:
        (elsewhere / "source").mkdir(parents=True)
        (elsewhere / "source" / "solution.txt").write_text("the other course's solutions\n")
        for path in (elsewhere, elsewhere / "source"):
            os.chmod(path, 0o755)
        os.chmod(elsewhere / "source" / "solution.txt", 0o644)
        sandbox.user_for("other-learner")  # a second learner the first must not learn about
        other_run = sandbox.run_dir("other-run", None)
        (other_run / "answers.txt").write_text("another learner's answers\n")
        os.chmod(other_run, 0o755)
        os.chmod(other_run / "answers.txt", 0o644)
        data = work / "data"
        for name in ("mine", "theirs"):
            (data / name).mkdir(parents=True)
            (data / name / "sales.csv").write_text(f"{name}\n1\n")
        run_dir = sandbox.run_dir("view-run", None)
        _plant_shadows(run_dir)
        leftovers = [f"{d}/dxcase-left-{token}" for d in ("/tmp", "/dev/shm", "/var/tmp")]
        reads = [
            str(elsewhere / "source" / "solution.txt"),
            str(case_file),
            str(Path(dxcase.__file__).resolve().parents[2] / "pyproject.toml"),
            str(other_run / "answers.txt"),
            str(data / "theirs" / "sales.csv"),
            str(data / "mine" / "sales.csv"),
            "/etc/shadow",
        ]
        lists = [str(elsewhere), str(casestudies), str(other_run.parent), str(data), "/srv"]
        writes = [*leftovers, "/usr/dxcase-probe", "/dxcase-probe", str(run_dir / "mine.txt")]
        setup = f"READS = {reads!r}\nLISTS = {lists!r}\nWRITES = {writes!r}"
        nb = _notebook(setup, PROBE, "print(json.dumps(report))")
        os.environ["DXCASE_TEST_MARKER"] = marker  # in the grader's own environment
        try:
            result = _run(sandbox, "probe-learner", run_dir, nb, read_only=[data / "mine"])
        finally:
            os.environ.pop("DXCASE_TEST_MARKER", None)
        left = {p: os.path.lexists(p) for p in leftovers}
        yield {
            "report": _printed(result),
            "marker": marker,
            "elsewhere": elsewhere,
            "casestudies": casestudies,
            "case_file": case_file,
            "run_dir": run_dir,
            "other_run": other_run,
            "data": data,
            "leftovers": leftovers,
            "left_on_host": left,
            "sandbox": sandbox,
        }
    finally:
        for path in [f"{d}/dxcase-left-{token}" for d in ("/tmp", "/dev/shm", "/var/tmp")]:
            if os.path.lexists(path):
                os.unlink(path)
        shutil.rmtree(elsewhere, ignore_errors=True)
        sandbox.close()


@ROOT_ONLY
def test_root_holds_only_the_allow_list(view):
    report = view["report"]
    tops = {"dev", "etc", "proc", "tmp", "var"}
    tops |= {p.lstrip("/") for p in SYSTEM if os.path.lexists(p)}
    for path in [*_runtime_paths(), str(view["run_dir"]), str(view["data"])]:
        tops.add(Path(path).resolve().parts[1])
    assert set(report["root"]) == tops
    assert report["cwd"] == str(view["run_dir"])
    # the run folder's parent shows this run only; the data folder this learner's variant only
    listings = report["listings"]
    assert listings[str(view["other_run"].parent)] == [view["run_dir"].name]
    assert listings[str(view["data"])] == ["mine"]
    assert listings["/srv"] == "FileNotFoundError"
    # nothing of the host's users: root, nobody and this learner
    names = [line.split(":")[0] for line in report["passwd"].splitlines()]
    assert names[0] == "root" and len(names) <= 3
    assert not any("otherlearner" in n for n in names)


@ROOT_ONLY
def test_world_readable_files_elsewhere_are_invisible(view):
    reads = view["report"]["reads"]
    # the planted files are readable by anyone on the host ...
    assert os.stat(view["elsewhere"] / "source" / "solution.txt").st_mode & 0o004
    # ... but not from inside the sandbox: they are not in its file system at all
    for path in (
        view["elsewhere"] / "source" / "solution.txt",
        view["case_file"],
        view["other_run"] / "answers.txt",
        view["data"] / "theirs" / "sales.csv",
    ):
        assert reads[str(path)] == "FileNotFoundError", (path, reads[str(path)])
    assert reads[str(Path(dxcase.__file__).resolve().parents[2] / "pyproject.toml")] in (
        "FileNotFoundError",
    )
    assert reads["/etc/shadow"] == "FileNotFoundError"
    assert reads[str(view["data"] / "mine" / "sales.csv")] == "read mine\n1\n"
    listings = view["report"]["listings"]
    assert listings[str(view["elsewhere"])] == "FileNotFoundError"
    assert listings[str(view["casestudies"])] == "FileNotFoundError"


@ROOT_ONLY
def test_nothing_written_outside_the_run_folder_survives(view):
    writes = view["report"]["writes"]
    for path in view["leftovers"]:  # private per run: writable inside, gone afterwards
        assert writes[path] == "written"
        assert not view["left_on_host"][path], f"{path} survived the run"
    assert writes["/usr/dxcase-probe"] in ("OSError", "PermissionError")
    assert writes["/dxcase-probe"] in ("OSError", "PermissionError")
    assert not os.path.lexists("/usr/dxcase-probe") and not os.path.lexists("/dxcase-probe")
    assert writes[str(view["run_dir"] / "mine.txt")] == "written"
    assert (view["run_dir"] / "mine.txt").read_text() == "left behind"


@ROOT_ONLY
def test_other_processes_show_nothing_of_the_grader(view):
    report = view["report"]
    assert view["marker"] not in report["proc_text"]
    assert view["marker"] not in report["mountinfo"]
    assert "--hide" not in report["proc_text"] and "jail" not in report["proc_text"]
    assert 1 not in report["pids"]  # the jail (pid 1, root) is invisible to the learner
    assert str(view["sandbox"].root) not in report["mountinfo"]


def _shadow_run(sandbox: Sandbox, name: str):
    run_dir = sandbox.run_dir(name, None)
    _plant_shadows(run_dir)
    result = _run(
        sandbox, "shadow-learner", run_dir, _notebook(IMPORTS, "print(json.dumps(found))")
    )
    return run_dir, result


def _check_no_shadow(run_dir: Path, result) -> None:
    text = "".join(o.get("text", "") for o in result.notebook.cells[-1].outputs)
    assert result.ok, (result.failure, [(e.ename, e.evalue) for e in result.errors], text)
    found = json.loads(text)
    site = str(Path(sys.prefix).resolve())
    assert Path(found["numpy"]).resolve().is_relative_to(site), found["numpy"]
    assert Path(found["dxcase"]).resolve() == Path(dxcase.__file__).resolve()
    assert not found["dxcase_fake"] and not found["sitecustomize_ran"]
    assert found["helpers"] == 42  # the learner's own module still imports, from the end
    assert found["sys_path"][-1] == str(run_dir)
    assert "" not in found["sys_path"] and str(run_dir) not in found["sys_path"][:-1]


@ROOT_ONLY
def test_files_beside_the_notebook_do_not_shadow_modules(tmp_path):
    sandbox = Sandbox(tmp_path / "w")
    try:
        run_dir, result = _shadow_run(sandbox, "shadow")
        _check_no_shadow(run_dir, result)
    finally:
        sandbox.close()


def test_no_shadowing_without_root_either(tmp_path):
    sandbox = Sandbox(tmp_path / "w", isolated=False)
    try:
        run_dir, result = _shadow_run(sandbox, "shadow-plain")
        _check_no_shadow(run_dir, result)
    finally:
        sandbox.close()


@pytest.mark.slow
def test_course_folders_are_created_private(tmp_path):
    from dxcase.grade.course import setup_case_course

    case = sorted(p.parent.name for p in content_root("casestudies").glob("*/case.yaml"))[0]
    root = tmp_path / "course"
    course = setup_case_course(root, case, [])
    for path in (root, root / "source", root / "dxcase", root / "gradebook.db"):
        assert path.exists(), path
        assert not path.stat().st_mode & 0o007, (path, oct(path.stat().st_mode))
    assert course.db_url.endswith("gradebook.db")
