"""Start one learner's kernel inside the grading sandbox (run by the kernel command prefix).

``unshare --net --mount --pid --fork --kill-child --mount-proc`` puts this script in fresh
namespaces as root; it then

1. covers every ``--hide`` path with an empty read-only tmpfs (the course folder with the
   gradebook and submissions, graders/, case sources, the holdout truth),
2. hands the kernel's connection file to the learner's OS user,
3. forks the kernel as that user, with rlimits on CPU time, address space, processes and file
   size, and no supplementary groups,
4. waits as the namespace's init: reaps orphans, kills the kernel after ``--wall`` seconds, and
   writes the CPU seconds of everything that ran to ``--usage``. When it exits, the kernel
   kills every process left in the namespace (fork bombs included).

Standard library only, run with ``python -I -S`` so it starts fast and trusts nothing in the
environment.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import time


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    if "--" not in argv:
        raise SystemExit("jail: usage: jail.py [options] -- command ...")
    split = argv.index("--")
    parser = argparse.ArgumentParser(prog="jail")
    parser.add_argument("--uid", type=int)
    parser.add_argument("--gid", type=int)
    parser.add_argument("--cpu", type=int, default=0)
    parser.add_argument("--mem-mib", type=int, default=0)
    parser.add_argument("--nproc", type=int, default=0)
    parser.add_argument("--fsize-mib", type=int, default=0)
    parser.add_argument("--wall", type=float, default=0)
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--expose", action="append", default=[])
    parser.add_argument("--stage", default="")
    parser.add_argument("--usage", default="")
    return parser.parse_args(argv[:split]), argv[split + 1 :]


def _hide(paths: list[str]) -> None:
    for path in paths:
        if not os.path.lexists(path):
            continue
        if os.path.isdir(path):
            cmd = ["mount", "-t", "tmpfs", "-o", "ro,size=4k,mode=0555", "dxcase-hidden", path]
        else:
            cmd = ["mount", "--bind", "/dev/null", path]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _blocking_ancestor(path: str) -> str | None:
    """The topmost folder above ``path`` that other users cannot enter (like /root)."""
    parts = os.path.abspath(path).split(os.sep)[1:]
    current = ""
    for part in parts[:-1]:
        current = f"{current}/{part}"
        if not os.stat(current).st_mode & 0o001:
            return current
    return None


def _expose(paths: list[str], stage: str) -> None:
    """Make ``paths`` (the Python install) reachable when a parent like /root is private.

    The private parent is replaced, in this mount namespace only, by an empty tmpfs that holds
    nothing but the exposed paths, so the rest of it (the grader's home) stays unreachable.
    """
    by_parent: dict[str, list[str]] = {}
    for path in paths:
        blocked = _blocking_ancestor(path)
        if blocked is not None:
            by_parent.setdefault(blocked, []).append(path)
    for parent, inner in by_parent.items():
        staged = []
        for i, path in enumerate(inner):
            spot = os.path.join(stage, str(i))
            os.makedirs(spot, exist_ok=True)
            subprocess.run(["mount", "--rbind", path, spot], check=True)
            staged.append((spot, path))
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "dxcase-private", parent],
            check=True,
        )
        for spot, path in staged:
            os.makedirs(path, exist_ok=True)
            subprocess.run(["mount", "--move", spot, path], check=True)


def _limits(args: argparse.Namespace) -> None:
    mib = 1024 * 1024
    pairs = [
        (resource.RLIMIT_CPU, args.cpu),
        (resource.RLIMIT_AS, args.mem_mib * mib),
        (resource.RLIMIT_NPROC, args.nproc),
        (resource.RLIMIT_FSIZE, args.fsize_mib * mib),
        (resource.RLIMIT_CORE, 0),
    ]
    for which, value in pairs:
        if value or which == resource.RLIMIT_CORE:
            resource.setrlimit(which, (value, value))


def main(argv: list[str]) -> int:
    args, cmd = _parse(argv)
    if args.expose:
        _expose(args.expose, args.stage)
    if args.hide:
        _hide(args.hide)
    if args.uid is not None and "-f" in cmd:  # the connection file holds the kernel's key
        conn = cmd[cmd.index("-f") + 1]
        os.chown(conn, args.uid, args.gid)
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_DFL)
            # the jail is the kernel's parent and pid 1 here: no parent poller (the kernel dies
            # with the namespace anyway)
            os.environ["JPY_PARENT_PID"] = "1"
            _limits(args)
            if args.uid is not None:
                os.setgroups([])
                os.setgid(args.gid)
                os.setuid(args.uid)
            os.execvp(cmd[0], cmd)
        except BaseException as exc:
            print(f"jail: cannot start kernel: {exc}", file=sys.stderr)
            os._exit(127)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # interrupts are the kernel's, not ours
    signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGKILL))
    status, reason = 0, ""
    while True:
        remaining = args.wall - (time.monotonic() - started) if args.wall else None
        if remaining is not None and remaining <= 0:
            os.kill(pid, signal.SIGKILL)
            reason = f"total time limit of {args.wall:g} s reached"
            remaining = None
        try:
            if remaining is None:
                done, status = os.waitpid(-1, 0)
            else:
                done, status = os.waitpid(-1, os.WNOHANG)
                if done == 0:
                    time.sleep(min(0.2, remaining))
                    continue
        except ChildProcessError:
            break
        if done == pid:
            break
    if args.usage:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        record = {
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
            "wall_s": round(time.monotonic() - started, 3),
            "status": status,
            "reason": reason,
        }
        try:
            with open(args.usage, "w", encoding="utf-8") as fh:
                json.dump(record, fh)
        except OSError:
            pass
    return os.waitstatus_to_exitcode(status) if status else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
