"""Start one learner's kernel inside the grading sandbox (run by the kernel command prefix).

``unshare --net --mount --pid --fork --kill-child`` puts this script in fresh namespaces as
root; with ``--root`` it then

1. builds the kernel's whole view of the file system on an empty tmpfs (``--root``) from an
   allow-list, each entry bound at its own absolute path: the system's programs and libraries
   (``/usr`` and the ``/bin``, ``/sbin``, ``/lib*`` links), a minimal ``/etc`` (no host names,
   no other users: ``passwd`` and ``group`` hold root, nobody and the learner), every ``--ro``
   path read-only (the Python installation, the venv, the dxcase package, the learner's data
   variant), and read-write only the folder the kernel starts in (its run folder) and the
   folder of its connection file (IPC sockets); a fresh ``/proc`` that shows a learner's
   processes only (``hidepid``), a minimal ``/dev`` and a private, empty ``/tmp``,
   ``/var/tmp`` and ``/dev/shm`` that vanish with the run. Other courses, staging folders,
   checkouts of the repository and other runs are not in it, whatever their permissions;
   ``--hide`` paths that an allowed folder still holds are covered by empty read-only mounts;
2. moves that tree onto ``/`` and chroots into it (the host's tree is no longer reachable from
   the namespace), hands the kernel's connection file to the learner's OS user,
3. forks the kernel as that user, with rlimits on CPU time, address space, processes and file
   size, and no supplementary groups,
4. waits as the namespace's init: reaps orphans, kills the kernel after ``--wall`` seconds, and
   writes the CPU seconds of everything that ran to ``--usage``. When it exits, the kernel
   kills every process left in the namespace (fork bombs included).

Without ``--root`` the kernel sees the host's tree: as root (the hub's single-user servers,
:mod:`dxcase.hub.spawner`) minus the ``--hide`` paths covered by empty mounts, with the
``--expose`` paths (the Python install) made reachable under a private parent like ``/root``
through ``--stage``; when the grader is not root, unchanged (steps 3 and 4 only, no user
switch).

Standard library only, run with ``python -I -S`` so it starts fast and trusts nothing in the
environment; mounts are made with ``mount(2)`` through ctypes (no ``mount`` process per path).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import sys
import time

SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# from the host's /etc, read-only: the loader, time zone, certificates, fonts, MIME types
ETC = (
    "alternatives",
    "ca-certificates",
    "fonts",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "locale.alias",
    "localtime",
    "mime.types",
    "os-release",
    "protocols",
    "services",
    "ssl",
    "timezone",
)
DEVICES = ("null", "zero", "full", "random", "urandom")
DEV_LINKS = {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1",
             "stderr": "/proc/self/fd/2"}  # fmt: skip

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC = 32, 4096, 8192, 16384
HIDDEN_FLAGS = MS_RDONLY | MS_NOSUID | MS_NODEV
_libc = None


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
    parser.add_argument("--tmp-mib", type=int, default=256)
    parser.add_argument("--wall", type=float, default=0)
    parser.add_argument("--root", default="")
    parser.add_argument("--ro", action="append", default=[])
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--expose", action="append", default=[])  # without --root
    parser.add_argument("--stage", default="")  # without --root: where --expose is staged
    parser.add_argument("--usage", default="")
    return parser.parse_args(argv[:split]), argv[split + 1 :]


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    global _libc
    if _libc is None:
        import ctypes

        _libc = ctypes.CDLL(None, use_errno=True)
    enc = [None if x is None else os.fsencode(x) for x in (source, target, fstype, data)]
    if _libc.mount(enc[0], enc[1], enc[2], flags, enc[3]) != 0:
        import ctypes

        err = ctypes.get_errno()
        raise OSError(err, f"mount {source} on {target}: {os.strerror(err)}")


def _bind(source: str, target: str, writable: bool = False, device: bool = False) -> None:
    """Bind ``source`` at ``target`` (made if missing), read-only unless ``writable``."""
    if not os.path.lexists(target):
        if os.path.isdir(source):
            os.makedirs(target, mode=0o755)
        else:
            os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o644))
    _mount(source, target, None, MS_BIND)
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID | (0 if device else MS_NODEV)
    _mount(None, target, None, flags | (0 if writable else MS_RDONLY))


def _tmpfs(target: str, mode: int, mib: int, flags: int = MS_NOSUID | MS_NODEV) -> None:
    os.makedirs(target, mode=0o755, exist_ok=True)
    size = f"size={mib}m," if mib > 0 else ""  # 0: tmpfs's default, half the memory
    _mount("dxcase-tmp", target, "tmpfs", flags, f"{size}mode={mode:o}")


def _link_like(path: str, new: str) -> bool:
    """Copy the symlink ``path`` into the new root as ``new``; False if ``path`` is no link."""
    if not os.path.islink(path):
        return False
    if not os.path.lexists(new):
        os.makedirs(os.path.dirname(new), mode=0o755, exist_ok=True)
        os.symlink(os.readlink(path), new)
    return True


def _first_link(path: str) -> str | None:
    """The first component of absolute ``path`` that is a symlink on the host."""
    current = ""
    for part in path.split("/")[1:]:
        current = f"{current}/{part}"
        if os.path.islink(current):
            return current
    return None


def _etc_file(root: str, name: str, text: str) -> None:
    with open(os.path.join(root, "etc", name), "w", encoding="utf-8") as fh:
        fh.write(text)


def _minimal_etc(root: str, uid: int | None, gid: int | None) -> None:
    """Users and groups the kernel may look up (root, nobody, the learner); no host names."""
    import grp
    import pwd

    os.makedirs(os.path.join(root, "etc"), mode=0o755, exist_ok=True)
    users = ["root:x:0:0:root:/root:/usr/sbin/nologin"]
    groups = ["root:x:0:"]
    for entry_uid in (uid, 65534):
        try:
            u = pwd.getpwuid(entry_uid) if entry_uid is not None else None
        except KeyError:
            u = None
        if u is not None:
            users.append(f"{u.pw_name}:x:{u.pw_uid}:{u.pw_gid}::{u.pw_dir}:/usr/sbin/nologin")
    for entry_gid in (gid, 65534):
        try:
            g = grp.getgrgid(entry_gid) if entry_gid is not None else None
        except KeyError:
            g = None
        if g is not None:
            groups.append(f"{g.gr_name}:x:{g.gr_gid}:")
    _etc_file(root, "passwd", "\n".join(dict.fromkeys(users)) + "\n")
    _etc_file(root, "group", "\n".join(dict.fromkeys(groups)) + "\n")
    _etc_file(root, "nsswitch.conf", "passwd: files\ngroup: files\nhosts: files\n")
    _etc_file(root, "hosts", "127.0.0.1 localhost\n::1 localhost\n")
    for name in ETC:
        path = f"/etc/{name}"
        if os.path.lexists(path) and not _link_like(path, root + path):
            _bind(path, root + path)


def _hide(paths: list[str]) -> None:
    """Cover each path with an empty read-only mount (without ``--root``: the hub's servers)."""
    for path in paths:
        if not os.path.lexists(path):
            continue
        if os.path.isdir(path):
            _mount("dxcase-hidden", path, "tmpfs", HIDDEN_FLAGS, "size=4k,mode=0555")
        else:
            _mount("/dev/null", path, None, MS_BIND)


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

    Without ``--root`` (the hub's servers): the private parent is replaced, in this mount
    namespace only, by an empty tmpfs that holds nothing but the exposed paths, so the rest of
    it (the grader's home) stays unreachable.
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
            _mount(path, spot, None, MS_BIND | MS_REC)
            staged.append((spot, path))
        _mount("dxcase-private", parent, "tmpfs", 0, "size=64k,mode=0755")
        for spot, path in staged:
            os.makedirs(path, exist_ok=True)
            _mount(spot, path, None, MS_MOVE)


def _build_root(args: argparse.Namespace, writable: list[str]) -> str:
    """The kernel's file system under ``args.root``, from the allow-list."""
    root = os.path.realpath(args.root)
    os.umask(0o022)  # the folders leading to the run folder must be traversable
    _mount("dxcase-root", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    _minimal_etc(root, args.uid, args.gid)
    mounts: list[tuple[str, str]] = []  # (path, kind)
    for path in SYSTEM:
        if os.path.lexists(path) and not _link_like(path, root + path):
            mounts.append((os.path.realpath(path), "ro"))
    for path in args.ro:
        if not os.path.lexists(path):
            continue
        link = _first_link(os.path.abspath(path))
        if link is not None and link not in SYSTEM:  # /opt/python -> /opt/python-3.11: both
            _link_like(link, root + link)
        mounts.append((os.path.realpath(path), "ro"))
    mounts += [(os.path.realpath(p), "rw") for p in writable]
    mounts += [("/tmp", "tmp"), ("/var/tmp", "tmp"), ("/dev", "dev"), ("/proc", "proc")]
    # parents before children: the tmpfs of /tmp first, then a run folder inside it
    for path, kind in sorted(set(mounts), key=lambda m: (m[0].split("/"), m[1])):
        target = root + path
        if kind in ("ro", "rw"):
            _bind(path, target, writable=kind == "rw")
        elif kind == "tmp":
            _tmpfs(target, 0o1777, args.tmp_mib)
        elif kind == "dev":
            _tmpfs(target, 0o755, 1, MS_NOSUID | MS_NOEXEC)
            for name in DEVICES:
                _bind(f"/dev/{name}", f"{target}/{name}", writable=True, device=True)
            for name, dest in DEV_LINKS.items():
                os.symlink(dest, f"{target}/{name}")
            _tmpfs(f"{target}/shm", 0o1777, args.tmp_mib)
        elif kind == "proc":
            os.makedirs(target, mode=0o555, exist_ok=True)
            flags = MS_NOSUID | MS_NODEV | MS_NOEXEC
            try:  # a learner sees their own processes only: nothing of the jail's arguments
                _mount("proc", target, "proc", flags, "hidepid=invisible")
            except OSError:  # Linux before 5.8
                _mount("proc", target, "proc", flags, "hidepid=2")
    allowed = [m[0] for m in mounts]
    for path in args.hide:
        real = os.path.realpath(path)
        if any(a == real or a.startswith(real + "/") for a in allowed):
            continue  # an allowed folder is inside it: only the allowed part is there anyway
        target = root + real
        if not os.path.lexists(target):
            continue
        _hide([target])
    _mount(None, root, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    return root


def _enter(root: str, cwd: str) -> None:
    """Make ``root`` the namespace's ``/`` (as runc without pivot_root) and go back to ``cwd``."""
    os.chdir(root)
    _mount(root, "/", None, MS_MOVE)
    os.chroot(".")
    os.chdir(cwd)


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


def _write_usage(folder_fd: int | None, name: str, record: dict) -> None:
    """The run's usage record, written whole (a temporary file renamed into place)."""
    if folder_fd is None:
        return
    try:
        fd = os.open(f".{name}.tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600, dir_fd=folder_fd)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh)
        os.rename(f".{name}.tmp", name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
    except OSError:
        pass


def main(argv: list[str]) -> int:
    args, cmd = _parse(argv)
    conn = cmd[cmd.index("-f") + 1] if "-f" in cmd[:-1] else None
    # the usage record's folder stays reachable after the chroot through this descriptor
    # (not inheritable, and closed in the kernel's process before anything else runs)
    usage_fd = None
    if args.usage:
        usage_fd = os.open(
            os.path.dirname(os.path.abspath(args.usage)), os.O_RDONLY | os.O_DIRECTORY
        )
    if args.root:
        cwd = os.getcwd()
        if cwd == "/":
            raise SystemExit("jail: refusing to expose / as the run folder")
        writable = [cwd] + ([os.path.dirname(os.path.abspath(conn))] if conn else [])
        try:
            _enter(_build_root(args, writable), cwd)
        except OSError as exc:
            print(f"jail: cannot build the sandbox's file system: {exc}", file=sys.stderr)
            return 126
    else:  # the hub's servers: the host's tree, minus what is hidden
        if args.expose:
            _expose(args.expose, args.stage)
        if args.hide:
            _hide(args.hide)
    if args.uid is not None and conn:  # the connection file holds the kernel's key
        os.chown(conn, args.uid, args.gid)
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            if usage_fd is not None:
                os.close(usage_fd)
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
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    record = {
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "wall_s": round(time.monotonic() - started, 3),
        "status": status,
        "reason": reason,
    }
    _write_usage(usage_fd, os.path.basename(args.usage), record)
    return os.waitstatus_to_exitcode(status) if status else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
