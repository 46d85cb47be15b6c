"""``dxcase hub``: a cohort on JupyterHub on one machine (see deploy/jupyterhub/README.md)."""

from __future__ import annotations

import contextlib
import signal
from pathlib import Path

import click

from dxcase.i18n import t

COHORT = click.argument("cohort", type=click.Path(file_okay=False, path_type=Path))
LANG = click.option("--lang", type=click.Choice(["ja", "en"]), default=None)


@click.group()
def hub() -> None:
    """A cohort on JupyterHub on one machine: accounts, course, exchange, hub (run as root)."""


def _settings(port: int, memory_mib: int, processes: int, idle_minutes: int) -> dict[str, int]:
    return {
        "port": port,
        "hub_port": port + 1,
        "proxy_api_port": port + 2,
        "review_port": port + 3,
        "memory_mib": memory_mib,
        "processes": processes,
        "idle_minutes": idle_minutes,
    }


def _init_options(f):
    options = [
        click.option("--case", "cases", multiple=True, default=("retail_demand",),
                     show_default=True, help="Case folder name (one assignment each; repeatable)."),
        click.option("--facilitator", "facilitators", multiple=True,
                     help="Hub user name of a facilitator (repeatable)."),
        click.option("--port", type=int, default=8000, show_default=True,
                     help="Hub port; the hub API, proxy API and review service use the next 3."),
        click.option("--seed", type=int, default=None, help="Dataset variant of the release."),
        click.option("--threads", type=int, default=None,
                     help="OpenMP/BLAS threads per learner server (default: cores / learners)."),
        click.option("--memory-mib", type=int, default=4096, show_default=True,
                     help="Address space per process of a learner (RLIMIT_AS)."),
        click.option("--processes", type=int, default=256, show_default=True,
                     help="Processes and threads per learner user (RLIMIT_NPROC)."),
        click.option("--idle-minutes", type=int, default=60, show_default=True,
                     help="Stop servers idle this long (jupyterhub-idle-culler)."),
    ]  # fmt: skip
    for option in reversed(options):
        f = option(f)
    return f


@hub.command("init")
@COHORT
@click.option("--roster", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              required=True, help="CSV with id, team, lang, seed: the learners.")  # fmt: skip
@_init_options
@LANG
def init_cmd(cohort, roster, cases, facilitators, port, seed, threads, memory_mib, processes,
             idle_minutes, lang) -> None:  # fmt: skip
    """Make COHORT: course, release in the exchange, OS users with private homes, secrets."""
    from dxcase.hub.provision import init_cohort

    made = init_cohort(
        cohort, list(cases), roster, list(facilitators), seed=seed, threads=threads,
        echo=click.echo, **_settings(port, memory_mib, processes, idle_minutes),
    )  # fmt: skip
    click.echo(t("hub_ready", lang, root=made.root))


@hub.command("start")
@COHORT
@LANG
def start_cmd(cohort: Path, lang: str | None) -> None:
    """Start COHORT's hub in the foreground; Ctrl-C stops it and every server."""
    from dxcase.hub.cohort import load_cohort

    _serve(load_cohort(cohort), lang)


@hub.command("demo")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out/hub"), show_default=True, help="The demo cohort's folder.")  # fmt: skip
@click.option("--learners", type=click.IntRange(1, 50), default=3, show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@LANG
def demo_cmd(out: Path, learners: int, port: int, lang: str | None) -> None:
    """A pilot on this machine: demo learners and a facilitator, retail_demand released, hub up."""
    from dxcase.grade.course import Learner, write_roster
    from dxcase.hub.provision import init_cohort

    out.mkdir(parents=True, exist_ok=True)
    roster = out / "demo-roster.csv"
    people = [Learner(f"learner{i:02d}", f"team{(i - 1) // 3 + 1}") for i in range(1, learners + 1)]
    write_roster(roster, people)
    cohort = init_cohort(
        out, ["retail_demand"], roster, ["coach1"], name="demo", echo=click.echo,
        **_settings(port, 4096, 256, 60),
    )  # fmt: skip
    _serve(cohort, lang)


def _serve(cohort, lang: str | None) -> None:
    from dxcase.hub.launch import login_text, start_hub, stop_hub

    proc = start_hub(cohort)
    click.echo(login_text(cohort, lang))
    signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    with contextlib.suppress(KeyboardInterrupt):
        proc.wait()
    stop_hub(proc)
    click.echo(t("hub_stopped", lang))


@hub.command("collect")
@COHORT
@click.argument("assignment")
@LANG
def collect_cmd(cohort: Path, assignment: str, lang: str | None) -> None:
    """Check owners in the exchange's inbox, then nbgrader collect into the course."""
    from dxcase.hub.cohort import load_cohort
    from dxcase.hub.exchange import collect

    c = load_cohort(cohort)
    moved = collect(c, assignment)
    if moved:
        click.echo(t("hub_quarantined", lang, items="; ".join(moved)))
    click.echo(t("hub_collected", lang, assignment=assignment, path=c.course / "submitted"))


@hub.command("feedback")
@COHORT
@click.argument("assignment")
@LANG
def feedback_cmd(cohort: Path, assignment: str, lang: str | None) -> None:
    """Release the dxcase grade reports to learners (nbgrader release_feedback)."""
    from dxcase.hub.cohort import load_cohort
    from dxcase.hub.exchange import release_feedback

    n = release_feedback(load_cohort(cohort), assignment)
    click.echo(t("hub_feedback", lang, assignment=assignment, n=n))


@hub.command("remove-accounts")
@COHORT
def remove_accounts_cmd(cohort: Path) -> None:
    """Delete the cohort's OS users (made by dxcase; homes stay in COHORT/home)."""
    from dxcase.hub.accounts import remove_account
    from dxcase.hub.cohort import load_cohort

    for user in load_cohort(cohort).users:
        remove_account(user)
