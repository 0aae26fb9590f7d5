"""papermill: an engine that runs a notebook on a kernel client it is given.

The ``warm_engine`` patch of :data:`congdoan._compat.PATCHES`. papermill's nbclient engine opens
a new kernel client for every notebook, waits for the kernel to be ready through it, and leaves
it open when it does not own the kernel. :func:`engine_name` registers (where the patch is
active) the engine :data:`ENGINE_NAME`: papermill's ``NBClientEngine.execute_managed_notebook``
(papermill 2.6–2.7, copied) with one change, the kernel client passed as ``kc=`` is used
instead of a new one. Where the patch is off, :data:`PLAIN_ENGINE` runs: papermill's own
``NBClientEngine`` (subclassed, as papermill's engine registry intends), and the caller closes
the clients it opened (:meth:`congdoan.engine.warm.WarmKernelManager.close_clients`).

Both engines hand the notebook being executed to ``record(nb)`` (a keyword argument of
``execute_notebook``) before it runs, so that a caller still has it, with its outputs so far,
when a cell raises or the kernel dies (``execute_notebook`` then raises instead of returning it).

papermill (and nbformat) are imported on first use: a batch worker launches its kernel first
and imports them while the kernel boots.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from congdoan._compat import active

ENGINE_NAME = "congdoan-warm"
"""Name of the engine registered in papermill's engine registry."""

PLAIN_ENGINE = "congdoan-plain"
"""papermill's own nbclient engine (recording the notebook), where ``warm_engine`` is off."""


def engine_name() -> str:
    """The papermill engine to run warm notebooks with (both are registered on first use)."""
    _register()
    return ENGINE_NAME if active("warm_engine") else PLAIN_ENGINE


@lru_cache(maxsize=1)
def _register() -> None:
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.utils import merge_kwargs, remove_args

    class PlainEngine(NBClientEngine):
        """papermill's nbclient engine, handing the notebook to ``record`` first."""

        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
            """Record ``nb_man.nb``, then execute it as ``NBClientEngine`` does."""
            kwargs.pop("record", lambda nb: None)(nb_man.nb)
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    class WarmEngine(NBClientEngine):
        """papermill's nbclient engine on the kernel client ``kc`` it is given."""

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man: Any,
            kernel_name: str,
            log_output: bool = False,
            stdout_file: Any = None,
            stderr_file: Any = None,
            start_timeout: int = 60,
            execution_timeout: int | None = None,
            **kwargs: Any,
        ) -> Any:
            """Execute ``nb_man.nb`` (as ``NBClientEngine.execute_managed_notebook`` does)."""
            kwargs.pop("record", lambda nb: None)(nb_man.nb)
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs,
                timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logging.getLogger("papermill"),
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            kc = final_kwargs.pop("kc", None)
            client = PapermillNotebookClient(nb_man, **final_kwargs)
            client.kc = kc
            return client.execute()

    papermill_engines.register(ENGINE_NAME, WarmEngine)
    papermill_engines.register(PLAIN_ENGINE, PlainEngine)


def engine_arguments(kc: Any, record: Any) -> dict[str, Any]:
    """``engine_name`` and the keyword arguments of ``execute_notebook`` for that engine.

    ``kc``: the warm kernel's client (used by the warm engine only); ``record(nb)``: called
    with the notebook being executed before it runs.
    """
    name = engine_name()
    return {"engine_name": name, "record": record, **({"kc": kc} if name == ENGINE_NAME else {})}


__all__ = ["ENGINE_NAME", "PLAIN_ENGINE", "engine_arguments", "engine_name"]
