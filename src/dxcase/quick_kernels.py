"""Kernel managers and clients without jupyter_client's fixed waits at start and stop.

A notebook run pays them once each, with the kernel idle; a grading batch has hundreds of runs.

- Start: ``wait_for_ready`` ends by listening on IOPub until 0.2 s pass without a message, to
  drop the status messages of its ``kernel_info`` requests. nbclient only reads IOPub messages
  whose parent is its own request, so leftovers are harmless: :func:`wait_until_ready` keeps
  the handshake (a ``kernel_info`` reply, then proof that IOPub is connected) and only drains
  what has already arrived.
- Stop: after killing the kernel, the manager checks every 0.1 s whether it is gone; these
  managers check every 10 ms.

:func:`dxcase.kernels.run_notebook` uses these managers for every run.
"""

from __future__ import annotations

import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.client import KernelClient
from jupyter_client.manager import AsyncKernelManager, KernelManager
from jupyter_core.utils import ensure_async, run_sync

IOPUB_CHECK_S = 0.2  # as jupyter_client: how long one round waits for IOPub to show it is connected
EXIT_POLL_S = 0.01  # how often a killed kernel is checked for having exited


async def wait_until_ready(client: KernelClient, timeout: float | None = None) -> None:
    """Return once the kernel answered ``kernel_info`` and its IOPub messages reach us."""
    deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
    while True:
        client.kernel_info()
        try:
            reply = await ensure_async(client.shell_channel.get_msg(timeout=1))
        except Empty:
            reply = None
        if reply is not None and reply["msg_type"] == "kernel_info_reply":
            try:  # IOPub subscribed late: this round's status messages are lost, ask again
                await ensure_async(client.iopub_channel.get_msg(timeout=IOPUB_CHECK_S))
            except Empty:
                pass
            else:
                client._handle_kernel_info_reply(reply)
                break
        if not await client._async_is_alive():
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
    while await ensure_async(client.iopub_channel.msg_ready()):  # only what is already here
        await ensure_async(client.iopub_channel.get_msg(timeout=0))


class QuickAsyncKernelClient(AsyncKernelClient):
    """jupyter_client's async client with :func:`wait_until_ready`."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        await wait_until_ready(self, timeout)


class QuickBlockingKernelClient(BlockingKernelClient):
    """jupyter_client's blocking client with :func:`wait_until_ready`."""

    wait_for_ready = run_sync(wait_until_ready)


class _QuickManager:
    """The quick client (``quick_client``, a class of this module) and a quick exit check."""

    quick_client = ""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.client_class = f"{__name__}.{self.quick_client}"

    async def _async_wait(self, pollinterval: float = EXIT_POLL_S) -> None:
        await super()._async_wait(min(pollinterval, EXIT_POLL_S))


class QuickKernelManager(_QuickManager, KernelManager):
    """jupyter_client's kernel manager, quick at start and stop."""

    quick_client = "QuickBlockingKernelClient"


class QuickAsyncKernelManager(_QuickManager, AsyncKernelManager):
    """jupyter_client's async kernel manager, quick at start and stop."""

    quick_client = "QuickAsyncKernelClient"


# The folder an untrusted kernel starts in goes last on sys.path (see PrefixedKernelManager).
APPEND_CWD = "--IPKernelApp.exec_lines=__import__('sys').path.append(__import__('os').getcwd())"


class PrefixedKernelManager(QuickAsyncKernelManager):
    """A kernel manager whose kernel command starts with ``self.prefix`` (the grading jail).

    Its kernels run untrusted folders: files there (a ``numpy.py``, a ``dxcase/`` package, a
    ``sitecustomize.py``) must not shadow installed modules. ``python -P`` keeps the folder off
    the front of ``sys.path`` (and IPython then adds no ``''`` either); the folder is appended
    at the end instead, so a learner's own ``helpers.py`` still imports.
    """

    prefix: list[str] = []  # noqa: RUF012

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        if len(cmd) > 2 and cmd[1] == "-m":  # python -m ipykernel_launcher ...
            cmd = [cmd[0], "-P", *cmd[1:], APPEND_CWD]
        return [*self.prefix, *cmd]
