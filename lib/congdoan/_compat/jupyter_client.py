"""jupyter_client: kernels launched through a callable (the fork server); a quicker "ready".

Patches of :data:`congdoan._compat.PATCHES`:

- ``fork_server`` (:func:`launch_through`): a kernel manager's kernel is started by a
  provisioner that hands the kernel command to a callable (the batch's fork server) and takes
  back a ``Popen``-like process; it sets what jupyter_client's ``LocalProvisioner`` sets after
  its own launch (``process``, ``pid``, ``pgid``, ``cwd``). Any failure of the callable falls
  back to the usual launch.
- ``kernel_ready`` (:func:`until_ready`): what ``KernelClient.wait_for_ready`` checks, ended at
  the answered request's idle status instead of after a fixed spell of iopub silence.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jupyter_client.provisioning.local_provisioner import LocalProvisioner

from congdoan._compat import active

log = logging.getLogger(__name__)

Launch = Callable[[list[str], "dict[str, str] | None", "str | None"], Any]
"""``launch(cmd, env, cwd)`` -> a started kernel process with ``Popen``'s interface (``pid``,
``poll``, ``wait``, ``send_signal``, ``kill``, ``terminate``); raises OSError, RuntimeError or
ValueError when it cannot."""


class LaunchProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, launching through :attr:`launch` when it can."""

    launch: Launch | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        """Launch ``cmd`` through :attr:`launch`, or as a new process if that fails."""
        if self.launch is not None:
            cwd = kwargs.get("cwd")
            try:
                process = self.launch(list(cmd), kwargs.get("env"), str(cwd) if cwd else None)
            except (OSError, RuntimeError, ValueError) as exc:
                log.warning("kernel launcher unavailable (%s); starting the kernel afresh", exc)
            else:
                self.process = process
                self.pid = self.pgid = process.pid  # the kernel leads its own session
                self.cwd = cwd or Path.cwd()
                return self.connection_info
        return await super().launch_kernel(cmd, **kwargs)


def launch_through(km: Any, launch: Launch) -> None:
    """Have the (not yet started) kernel manager ``km`` start its kernel with ``launch``.

    jupyter_client makes a provisioner only when the manager has none; this gives it one.
    """
    km.kernel_id = km.kernel_id or secrets.token_hex(16)
    provisioner = LaunchProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
    provisioner.launch = launch
    km.provisioner = provisioner


async def until_ready(kc: Any, timeout: float) -> None:
    """Wait until the kernel answers ``kernel_info`` and its iopub messages reach us.

    Where ``kernel_ready`` is not active: ``kc.wait_for_ready(timeout)``, which then drains
    iopub until a fixed spell passes in silence. Otherwise this ends at the idle status of the answered
    request. An idle status that never arrives means iopub was not connected yet: ask again.
    A kernel that greets each new iopub subscriber (``iopub_welcome``, ipykernel 7) says when
    it is connected: then ask again at once rather than wait for a status that was sent before.
    """
    if not active("kernel_ready"):
        await kc.wait_for_ready(timeout=timeout)
        return
    from queue import Empty

    deadline = time.monotonic() + timeout
    while True:
        kc.kernel_info()
        try:
            reply = await kc.shell_channel.get_msg(timeout=1)
        except Empty:
            reply = None
        if reply is not None and reply.get("msg_type") == "kernel_info_reply":
            asked = reply["parent_header"].get("msg_id")
            try:
                while True:
                    msg = await kc.iopub_channel.get_msg(timeout=0.25)
                    if msg["msg_type"] == "iopub_welcome":
                        break  # connected now, maybe after the status was sent: ask again
                    if (msg["parent_header"].get("msg_id") == asked
                            and msg["msg_type"] == "status"
                            and msg["content"].get("execution_state") == "idle"):
                        kc._handle_kernel_info_reply(reply)
                        return
            except Empty:
                pass
        if not await kc._async_is_alive():
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")


__all__ = ["Launch", "LaunchProvisioner", "launch_through", "until_ready"]
