"""Run one notebook in a fresh kernel: parameters injected, threads capped, time and memory read.

This is the one place dxcase executes notebooks (case validation, batch runs, grading), so
every run gets the same safeguards:

- kernels talk over IPC sockets in a private folder, with unique connection files (many
  kernels started at once over TCP race for ports), and the client starts work as soon as the
  kernel answers (:mod:`dxcase.quick_kernels`);
- OpenMP and BLAS threads are set to the run's share of the cores, with the passive wait
  policy, so LightGBM kernels side by side do not starve each other;
- the kernel's own peak memory (``ru_maxrss``) is read by a probe cell appended at the end,
  and removed from the saved notebook.
"""

from __future__ import annotations

import copy
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

PROBE_TAG = "dxcase-probe"
# VmHWM is this process's own high-water mark; ru_maxrss would carry over the parent's at fork.
_PROBE = """
def _dxcase_peak_kib():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
def _dxcase_cpu_seconds():
    import resource
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
print("DXCASE_PEAK_KIB=%d DXCASE_CPU_S=%.3f" % (_dxcase_peak_kib(), _dxcase_cpu_seconds()))
""".strip()
THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)


def thread_env(threads: int) -> dict[str, str]:
    """Environment that caps a kernel's OpenMP/BLAS threads and makes idle threads sleep."""
    env = {name: str(max(1, threads)) for name in THREAD_VARS}
    env["OMP_WAIT_POLICY"] = "passive"
    return env


@dataclass
class CellError:
    """The first (or every) cell that raised: its index, grade id, exception name and value."""

    index: int
    ename: str
    evalue: str
    grade_id: str | None = None


@dataclass
class RunResult:
    """What happened when a notebook ran."""

    notebook: NotebookNode
    seconds: float
    peak_mib: float | None
    cpu_seconds: float | None = None  # the kernel's own CPU time (user + system)
    errors: list[CellError] = field(default_factory=list)
    timed_out: bool = False
    failure: str | None = None  # kernel died, timeout or start failure

    @property
    def ok(self) -> bool:
        return not self.errors and self.failure is None


def run_notebook(
    nb: NotebookNode | str | os.PathLike[str],
    cwd: str | os.PathLike[str],
    parameters: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    threads: int = 2,
    cell_timeout: float = 600,
    allow_errors: bool = False,
    kernel_prefix: Sequence[str] | None = None,
    runtime_dir: str | os.PathLike[str] | None = None,
    inherit_env: bool = True,
    client_options: Mapping[str, Any] | None = None,
) -> RunResult:
    """Execute ``nb`` top to bottom in ``cwd``; never raises for errors in the notebook itself.

    For untrusted notebooks (grading), ``kernel_prefix`` is put in front of the kernel command
    (for example ``unshare ... setpriv ... prlimit ... --``), ``runtime_dir`` is the folder for
    the connection file and IPC sockets (one the kernel's user can write), and
    ``inherit_env=False`` gives the kernel only ``env`` and the thread settings.
    ``client_options`` go to nbclient (for example ``interrupt_on_timeout`` as nbgrader uses).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    if not isinstance(nb, NotebookNode):
        nb = nbformat.read(str(nb), as_version=4)
    nb = copy.deepcopy(nb)
    for cell in nb.cells:  # papermill expects every cell to carry a tags list
        cell.metadata.setdefault("tags", [])
    nb.metadata.setdefault("papermill", {})
    if parameters:
        from papermill.parameterize import parameterize_notebook

        nb = parameterize_notebook(nb, dict(parameters), kernel_name="python3", language="python")
    probe = nbformat.v4.new_code_cell(_PROBE)
    probe.metadata["tags"] = [PROBE_TAG]
    nb.cells.append(probe)

    base_env = dict(os.environ) if inherit_env else {}
    kernel_env = {**base_env, **thread_env(threads), **(env or {})}
    kernel_env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    result = RunResult(nb, 0.0, None)
    with tempfile.TemporaryDirectory(prefix="dxcase-kernel-", dir=runtime_dir) as runtime:
        if runtime_dir is not None:  # the kernel may run as another user: let it in
            os.chmod(runtime, 0o777)
        from dxcase.quick_kernels import PrefixedKernelManager, QuickKernelManager

        km = (PrefixedKernelManager if kernel_prefix else QuickKernelManager)(
            kernel_name="python3",
            transport="ipc",
            ip=str(Path(runtime) / "k"),
            connection_file=str(Path(runtime) / "kernel.json"),
        )
        if kernel_prefix:
            km.prefix = list(kernel_prefix)
        client = NotebookClient(
            nb,
            km=km,
            timeout=cell_timeout,
            allow_errors=allow_errors,
            record_timing=False,
            resources={"metadata": {"path": str(cwd)}},
            **dict(client_options or {}),
        )
        start = time.perf_counter()
        try:
            client.execute(env=kernel_env, cwd=str(cwd))
        except CellTimeoutError as exc:
            result.timed_out, result.failure = True, f"cell timed out: {str(exc)[:300]}"
        except DeadKernelError as exc:
            result.failure = f"kernel died: {exc}"
        except CellExecutionError:
            pass  # recorded below from the cell outputs
        except RuntimeError as exc:
            result.failure = f"kernel failed: {exc}"
        finally:
            result.seconds = time.perf_counter() - start
            if km.has_kernel:  # nbclient leaves a kernel it did not create running
                from jupyter_core.utils import run_sync

                shutdown = km.shutdown_kernel
                (run_sync(shutdown) if kernel_prefix else shutdown)(now=True)
    result.errors = cell_errors(nb)
    result.peak_mib, result.cpu_seconds = _read_probe(nb)
    nb.cells = [c for c in nb.cells if PROBE_TAG not in c.metadata.get("tags", [])]
    result.notebook = nb
    return result


def cell_errors(nb: NotebookNode) -> list[CellError]:
    """Every code cell whose outputs hold an error, in order."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                found.append(CellError(index, out.ename, out.evalue, grade_id))
                break
    return found


def _read_probe(nb: NotebookNode) -> tuple[float | None, float | None]:
    """Peak memory (MiB) and CPU seconds the probe cell printed, if the notebook got that far."""
    for cell in nb.cells:
        if PROBE_TAG not in cell.metadata.get("tags", []):
            continue
        for out in cell.get("outputs", []):
            text = out.get("text", "")
            if "DXCASE_PEAK_KIB=" in text:
                fields = dict(part.split("=") for part in text.split())
                return int(fields["DXCASE_PEAK_KIB"]) / 1024, float(fields["DXCASE_CPU_S"])
    return None, None
