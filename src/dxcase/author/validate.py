"""``dxcase author validate``: prove a case works, and say exactly what failed.

1. every source notebook runs top to bottom on the case's dataset variant, and its values are
   the answer key: every graded task exports one, every mistake rule's snippet runs and no
   rule matches the right answer;
2. the answer keys on a few more variants say which tasks have the same answer everywhere;
3. the release, run as it is, gives no task's expected value and errors only where learners
   must write code;
4. no secret reaches any release file (solution lines, expected values of graded tasks,
   holdout truth, keys);
5. case.yaml, checks, rubric and dataset references resolve; both languages build, with
   identical code and grade cells, and no text missing in either;
6. each notebook's run time and peak memory are reported and checked against case.yaml.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from dxcase.answers.channel import EXPORT_ENV, read_export
from dxcase.answers.compare import Comparison, compare, rule_id, rule_matches_key
from dxcase.answers.keys import TaskKey, collect, key_notebook
from dxcase.author.answerkey import KeyInputs
from dxcase.author.build import build_release, stage_source
from dxcase.author.casefile import Case, case_problem, load_case
from dxcase.author.checksfile import load_checks
from dxcase.author.leaks import find_leaks, holdout_fingerprints
from dxcase.author.notebooks import (
    HIDDEN,
    SOLUTION,
    is_autograder_test,
    is_solution_cell,
    language_problems,
    nbgrader_meta,
    read_notebook,
    regions,
    secret_lines,
)
from dxcase.check.events import EVENTS_ENV
from dxcase.errors import DxcaseError, InputError, Problem, ProblemList
from dxcase.i18n import LANGS
from dxcase.kernels import RunResult, run_notebook
from dxcase.paths import content_root

Echo = Callable[[str], None]


@dataclass
class NotebookRun:
    """Time and memory of one notebook run, and whether it stayed within the case's limits."""

    notebook: str
    kind: str  # "solution" or "release"
    seconds: float
    peak_mib: float | None
    ok: bool
    cpu_seconds: float | None = None


@dataclass
class Validation:
    case: str
    problems: ProblemList = field(default_factory=ProblemList)
    runs: list[NotebookRun] = field(default_factory=list)
    points: dict[str, float] = field(default_factory=dict)
    work: Path | None = None  # kept work folder (releases, executed notebooks), if asked
    strict_limits: bool = False  # judge run time even when other work loads the machine
    key_variation: dict[str, int] = field(default_factory=dict)  # task -> variants that differ

    @property
    def ok(self) -> bool:
        return not self.problems.has_errors

    def to_json(self) -> str:
        return json.dumps(
            {
                "case": self.case,
                "ok": self.ok,
                "runs": [r.__dict__ for r in self.runs],
                "points": self.points,
                "key_variation": self.key_variation,
                "problems": json.loads(self.problems.to_json())["problems"],
            },
            ensure_ascii=False,
            indent=2,
        )


def validate_case(
    case_dir: str | Path,
    echo: Echo = lambda _: None,
    keep: Path | None = None,
    strict_limits: bool = False,
    variants: int = 3,
) -> Validation:
    """Run every step; problems are collected, not raised, so the report lists them all."""
    case_dir = Path(case_dir)
    result = Validation(case_dir.name, strict_limits=strict_limits)
    try:
        case = load_case(case_dir)
    except InputError as exc:
        result.problems.extend(exc.problems)
        return result
    result.case = case.slug
    echo(f"[1/6] {case.slug}: checking case.yaml, checks, rubric, dataset and notebooks")
    sources = _static_checks(case, result.problems)
    if result.problems.has_errors:
        return result
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix=f"dxcase-validate-{case.slug}-"))
    if keep:
        if work.exists() and any(work.iterdir()):
            raise DxcaseError(f"--keep {work}: folder exists and is not empty")
        work.mkdir(parents=True, exist_ok=True)
        result.work = work
    try:
        _dynamic_checks(case, sources, work, result, echo, variants)
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return result


def _static_checks(case: Case, problems: ProblemList) -> dict[str, NotebookNode]:
    """Step 5's reference checks, and the language rules of each source notebook."""
    for lang in LANGS:
        try:
            load_checks(case, lang)
        except InputError as exc:
            problems.extend(exc.problems)
            break
    rubric = content_root("rubrics") / f"{case.rubric}.yaml"
    if not rubric.is_file():
        message = f"rubric {case.rubric!r} not found at {rubric}"
        problems.add(case_problem(case, "unknown-rubric", message, "rubric"))
    else:
        from dxcase.review.rubric import load_rubric

        try:
            load_rubric(rubric)
        except InputError as exc:
            problems.extend(exc.problems)
    from dxcase.data.registry import load_spec

    for i, use in enumerate(case.datasets):
        try:
            spec = load_spec(use.name)
        except Exception as exc:  # unknown dataset name
            problems.add(case_problem(case, "unknown-dataset", str(exc), f"datasets[{i}].name"))
            continue
        unknown = set(use.params) - set(spec.parameters)
        if unknown:
            problems.add(
                case_problem(
                    case,
                    "unknown-param",
                    f"{use.name} has no parameter(s) {', '.join(sorted(unknown))}",
                    f"datasets[{i}].params",
                )
            )
    sources: dict[str, NotebookNode] = {}
    for phase, path in zip(case.phases, case.notebooks, strict=True):
        try:
            nb = read_notebook(path)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        sources[phase.notebook] = nb
        problems.extend(language_problems(nb, str(path)))
        if not any("parameters" in c.metadata.get("tags", []) for c in nb.cells):
            problems.add(
                Problem(
                    str(path),
                    "no-parameters-cell",
                    "no cell tagged `parameters` (papermill injects DATA_DIR and LANG there)",
                )
            )
    _grade_cell_checks(case, sources, problems)
    return sources


def _grade_cell_checks(case: Case, sources: dict[str, NotebookNode], problems: ProblemList) -> None:
    """Grade ids unique; each graded task has its test cell; practice tasks have none."""
    try:
        tasks = load_checks(case, "ja").tasks
    except InputError:
        return
    seen: dict[str, str] = {}
    tests: dict[str, str] = {}
    points: dict[str, float] = {}
    for name, nb in sources.items():
        path = str(case.root / f"{name}.ipynb")
        for index, cell in enumerate(nb.cells):
            meta = nbgrader_meta(cell)
            grade_id = meta.get("grade_id")
            if not meta or grade_id is None:
                continue
            if grade_id in seen:
                problems.add(
                    Problem(
                        path,
                        "duplicate-grade-id",
                        f"cell {index}: grade id {grade_id!r} is also used in {seen[grade_id]}",
                    )
                )
            seen[grade_id] = f"{name} cell {index}"
            if is_autograder_test(cell) and HIDDEN[0] in cell.source:
                problems.add(
                    Problem(
                        path,
                        "hidden-tests",
                        f"cell {index} ({grade_id}): hidden tests left the case format; the answer key comes from the solution (a test cell is `{grade_id}.grade()`, mistakes go to checks.yaml)",
                    )
                )
            if is_autograder_test(cell):
                tests[grade_id] = name
                points[grade_id] = float(meta.get("points", 0))
                if grade_id not in tasks:
                    problems.add(
                        Problem(
                            path,
                            "test-without-task",
                            f"cell {index}: test cell {grade_id!r} is not a task of checks.yaml (name test cells after their task)",
                        )
                    )
    holdout = case.holdout
    if holdout is not None:
        spec = tasks.get(holdout.task)
        if spec is None or spec.kind != "forecast_file":
            problems.add(
                case_problem(
                    case,
                    "holdout-task",
                    f"grading.holdout.task {holdout.task!r} must be a forecast_file task of checks.yaml",
                    "grading.holdout.task",
                )
            )
        elif holdout.task in points and points[holdout.task] != holdout.points:
            problems.add(
                case_problem(
                    case,
                    "holdout-points",
                    f"the test cell {holdout.task} has {points[holdout.task]:g} points; grading.holdout.points says {holdout.points:g}",
                    "grading.holdout.points",
                )
            )
    for task_id, spec in tasks.items():
        if spec.practice and task_id in tests:
            problems.add(
                case_problem(
                    case,
                    "graded-practice-task",
                    f"practice task {task_id} has a graded test cell in {tests[task_id]}",
                    "practice",
                )
            )
        if not spec.practice and task_id not in tests:
            problems.add(
                Problem(
                    str(case.root / "checks.yaml"),
                    "task-without-test",
                    f"graded task {task_id} has no autograded test cell with grade id {task_id!r}",
                    column=f"tasks.{task_id}",
                )
            )


def _dynamic_checks(
    case: Case,
    sources: dict[str, NotebookNode],
    work: Path,
    result: Validation,
    echo: Echo,
    variants: int = 3,
) -> None:
    problems = result.problems
    echo("[2/6] building the release in ja and en (nbgrader generate_assignment)")
    with ThreadPoolExecutor(len(LANGS)) as pool:  # each build is mostly nbgrader start-up
        built = {
            lang: pool.submit(build_release, case, lang, work / f"release-{lang}") for lang in LANGS
        }
        releases = {lang: future.result() for lang, future in built.items()}
    problems.extend(_compare_languages(case, releases))

    use = case.dataset
    echo(f"[3/6] generating dataset {use.name} (seed {use.seed})")
    data, holdout = _variant(case, use.seed, work)
    env = {
        EVENTS_ENV: "0",
        EXPORT_ENV: "1",
        "MPLBACKEND": "agg",
    }
    params = {use.parameter: str(data)}
    timeout = max(10 * case.limits.seconds, 300)
    inputs = KeyInputs.of(case)

    echo("[4/6] running the solution notebooks (their values are the answer key)")
    solution_dir = work / "solution"
    stage_source(case, "ja", solution_dir)
    key_tasks: dict[str, TaskKey] = {}
    for name, nb in sources.items():
        run = run_notebook(
            key_notebook(nb, inputs.comparisons, inputs.variables),
            solution_dir,
            params,
            env,
            case.limits.cores,
            timeout,
        )
        _record(result, case, name, "solution", run, echo)
        path = str(case.root / f"{name}.ipynb")
        for err in run.errors:
            problems.add(
                Problem(
                    path,
                    "solution-fails",
                    f"cell {err.index}{_gid(err.grade_id)}: {err.ename}: {err.evalue[:300]}",
                )
            )
        if run.failure:
            problems.add(Problem(path, "solution-fails", run.failure))
        problems.extend(glyph_problems(run.notebook, path))
        graded = [
            nbformat_meta["grade_id"]
            for c in run.notebook.cells
            if is_autograder_test(c) and (nbformat_meta := nbgrader_meta(c))
        ]
        found, why = collect(run.notebook, graded)
        key_tasks.update(found)
        for problem in why:
            problems.add(Problem(path, "solution-not-full-points", problem))
        for cell in run.notebook.cells:
            if is_autograder_test(cell):
                result.points[nbgrader_meta(cell)["grade_id"]] = float(
                    nbgrader_meta(cell).get("points", 0)
                )
    problems.extend(_rule_problems(case, inputs, key_tasks))

    echo("[5/6] running the untouched release as the grader would")
    env_release = dict(env)
    for lang in LANGS[:1]:
        run_dir = work / f"release-run-{lang}"
        shutil.copytree(releases[lang], run_dir)
        for name in sources:
            release_nb = nbformat.read(str(run_dir / f"{name}.ipynb"), as_version=4)
            run = run_notebook(
                release_nb,
                run_dir,
                params,
                env_release,
                case.limits.cores,
                timeout,
                allow_errors=True,
            )
            _record(result, case, name, "release", run, echo, check_limits=False)
            problems.extend(_release_problems(case, name, sources[name], run, inputs, key_tasks))

    if variants > 1:
        echo(
            f"[5/6] answer keys on {variants - 1} more variant(s): which answers differ by variant"
        )
        result.key_variation = _key_variation(case, inputs, key_tasks, work, variants, echo)

    echo("[6/6] searching every release file for secrets")
    public = {f"{task}_answer" for task in case.practice}  # practice solutions ship on purpose
    secrets = [s for name, nb in sources.items() for s in secret_lines(nb, name, public=public)]
    expected = {
        t: fingerprint(inputs.comparisons[t], k.value)
        for t, k in key_tasks.items()
        if t in inputs.comparisons
    }
    keys = [os.environ.get("DXCASE_COHORT_KEY", ""), os.environ.get("DXCASE_ANON_KEY", "")]
    lines = holdout_fingerprints(holdout)
    for release in releases.values():
        problems.extend(find_leaks(release, secrets, expected, lines, keys))


def _variant(case: Case, seed: int, work: Path) -> tuple[Path, Path]:
    from dxcase.data.generate import generate_variant

    use = case.dataset
    data, holdout = work / f"data-{seed}", work / f"holdout-{seed}"
    generate_variant(
        use.name,
        seed=seed,
        overrides=dict(use.params),
        out_dir=data,
        holdout_dir=holdout,
        overwrite=True,
    )
    return data, holdout


def fingerprint(comparison: Comparison, value: object) -> list[object]:
    """An expected value as the plain values a release could be searched for."""
    if comparison.kind == "number" and isinstance(value, int | float):
        return [float(value)]
    if comparison.kind == "dataframe" and isinstance(value, dict):
        return [
            float(r[c])
            for r in value.get("records", [])
            for c in comparison.columns
            if isinstance(r.get(c), int | float) and not isinstance(r.get(c), bool)
        ]
    return []  # choices and subsets are among the options learners see


def _rule_problems(case: Case, inputs: KeyInputs, key: dict[str, TaskKey]) -> list[Problem]:
    """A mistake rule that fires on the right answer, or whose snippet gave nothing."""
    found = []
    checks = str(case.root / "checks.yaml")
    for task, comparison in inputs.comparisons.items():
        if task not in key:
            continue
        alternatives = key[task].alternatives
        for index, rule in enumerate(comparison.mistakes):
            where = f"tasks.{task}.mistakes[{index}]"
            if rule.code and alternatives.get(rule_id(rule.code)) is None:
                message = "the snippet gave no value on this variant"
                found.append(Problem(checks, "mistake-snippet", message, column=where))
            if rule_matches_key(comparison, index, key[task].value, alternatives):
                message = (
                    "this rule gives the right answer on this variant, so it stays silent here"
                )
                severity = "warning" if rule.kind == "alternative" else "error"
                found.append(
                    Problem(checks, "mistake-matches-key", message, column=where, severity=severity)
                )
    return found


def _key_variation(
    case: Case, inputs: KeyInputs, base: dict[str, TaskKey], work: Path, variants: int, echo: Echo
) -> dict[str, int]:
    """Per task: on how many of the other variants the expected value differs from this one's."""
    from dxcase.author.answerkey import ensure_key

    differ = {task: 0 for task in base}
    for offset in range(1, variants):
        seed = case.dataset.seed + offset
        data, _ = _variant(case, seed, work)
        other = ensure_key(inputs, data, work / "keys", threads=case.limits.cores)
        for task, entry in base.items():
            comparison = inputs.comparisons.get(task)
            if comparison is None or comparison.kind == "forecast_file":
                continue
            theirs = other.tasks.get(task)
            if theirs is None or not compare(comparison, theirs.value, entry.value).correct:
                differ[task] += 1
    same = sorted(
        t
        for t, n in differ.items()
        if n == 0 and inputs.comparisons.get(t) and inputs.comparisons[t].kind != "forecast_file"
    )
    echo(
        f"  tasks with the same answer on all {variants} variants (copyable): {', '.join(same) or 'none'}"
    )
    return differ


def glyph_problems(nb: NotebookNode, path: str) -> list[Problem]:
    """Plots whose text lacks glyphs (Japanese in a font without it) warn on stderr; flag them."""
    found = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            text = out.get("text", "") if out.get("name") == "stderr" else ""
            if "missing from font" in text or "missing from current font" in text:
                found.append(
                    Problem(
                        path,
                        "missing-glyph",
                        f"cell {index}: a plot lacks glyphs ({text.strip().splitlines()[0][:120]}); import matplotlib_fontja before plotting",
                    )
                )
                break
    return found


def _release_problems(
    case: Case,
    name: str,
    source: NotebookNode,
    run: RunResult,
    inputs: KeyInputs,
    key: dict[str, TaskKey],
) -> list[Problem]:
    path = f"release {name}.ipynb"
    found = []
    learner_names = _solution_names(source)
    for index, cell in enumerate(run.notebook.cells):
        task = nbgrader_meta(cell).get("grade_id") if is_autograder_test(cell) else None
        if task is None or task not in key or task not in inputs.comparisons:
            continue
        exported, value, _ = read_export(cell.get("outputs", []))
        if (
            exported
            and value is not None
            and compare(inputs.comparisons[task], value, key[task].value).correct
        ):
            found.append(
                Problem(
                    path,
                    "test-passes-on-release",
                    f"cell {index} ({task}): the untouched release already gives the expected value; the task cannot fail",
                )
            )
    for err in run.errors:
        cell = run.notebook.cells[err.index]
        if is_solution_cell(cell) or is_autograder_test(cell):
            continue
        missing = err.ename == "NameError" and any(f"'{n}'" in err.evalue for n in learner_names)
        if not missing:
            found.append(
                Problem(
                    path,
                    "release-breaks",
                    f"cell {err.index}: {err.ename}: {err.evalue[:200]} in a cell learners do not write (errors should only come from unanswered tasks)",
                )
            )
    if run.failure:
        found.append(Problem(path, "release-breaks", run.failure))
    return found


def _solution_names(nb: NotebookNode) -> set[str]:
    """Names that learners define in solution regions (later cells may use them)."""
    names: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for region in regions(cell.source, SOLUTION):
            try:
                tree = ast.parse(_dedent_region(region))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    names.add(node.id)
                elif isinstance(node, ast.FunctionDef | ast.ClassDef):
                    names.add(node.name)
    return names


def _dedent_region(region: str) -> str:
    import textwrap

    return textwrap.dedent(region)


def _compare_languages(case: Case, releases: dict[str, Path]) -> list[Problem]:
    """Code cells, grade ids and points must be identical in every language's release."""
    found = []
    for phase in case.phases:
        shapes = {}
        for lang, release in releases.items():
            nb = nbformat.read(str(release / f"{phase.notebook}.ipynb"), as_version=4)
            shapes[lang] = [
                (
                    c.cell_type,
                    c.source if c.cell_type == "code" else "",
                    json.dumps(_grade_meta(c), sort_keys=True),
                )
                for c in nb.cells
                if c.cell_type == "code" or nbgrader_meta(c)
            ]
        first, *rest = LANGS
        for lang in rest:
            a, b = shapes[first], shapes[lang]
            if a != b:
                where = next(
                    (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                    min(len(a), len(b)),
                )
                found.append(
                    Problem(
                        str(case.root / f"{phase.notebook}.ipynb"),
                        "code-differs",
                        f"the {first} and {lang} releases differ in code or grade cells (first difference at code/grade cell {where})",
                    )
                )
    return found


def _grade_meta(cell: NotebookNode) -> dict:
    meta = nbgrader_meta(cell)
    return {k: meta.get(k) for k in ("grade_id", "grade", "solution", "locked", "points")}


def _record(
    result: Validation,
    case: Case,
    name: str,
    kind: str,
    run: RunResult,
    echo: Echo,
    check_limits: bool = True,
) -> None:
    if result.work is not None:  # keep the executed notebook for the author to open
        executed = result.work / f"executed-{kind}"
        executed.mkdir(parents=True, exist_ok=True)
        nbformat.write(run.notebook, str(executed / f"{name}.ipynb"))
    result.runs.append(
        NotebookRun(
            name,
            kind,
            round(run.seconds, 2),
            None if run.peak_mib is None else round(run.peak_mib, 1),
            run.ok,
            None if run.cpu_seconds is None else round(run.cpu_seconds, 2),
        )
    )
    peak = "n/a" if run.peak_mib is None else f"{run.peak_mib:.0f} MiB"
    echo(f"  {name} ({kind}): {run.seconds:.1f} s (CPU {run.cpu_seconds or 0:.1f} s), peak {peak}")
    if not check_limits:
        return
    path = str(case.root / f"{name}.ipynb")
    limits = case.limits
    load = os.getloadavg()[0]
    if run.seconds > limits.seconds and load > limits.cores + 0.5 and not result.strict_limits:
        # other work shares the cores: wall time says little about the notebook, so warn
        message = f"ran {run.seconds:.1f} s (CPU {run.cpu_seconds or 0:.1f} s) while the load average was {load:.1f} on a machine with {os.cpu_count()} cores; case.yaml allows {limits.seconds:g} s on {limits.cores} cores; re-run on a quiet machine to judge"
        result.problems.add(Problem(path, "over-time-limit", message, severity="warning"))
    elif run.seconds > limits.seconds:
        result.problems.add(
            Problem(
                path,
                "over-time-limit",
                f"ran {run.seconds:.1f} s; case.yaml allows {limits.seconds:g} s on {limits.cores} cores",
            )
        )
    if run.peak_mib is not None and run.peak_mib > limits.memory_mib:
        result.problems.add(
            Problem(
                path,
                "over-memory-limit",
                f"peak memory {run.peak_mib:.0f} MiB; case.yaml allows {limits.memory_mib:g} MiB",
            )
        )


def _gid(grade_id: str | None) -> str:
    return "" if grade_id is None else f" ({grade_id})"
