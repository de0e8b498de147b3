"""Run parameterised notebooks with papermill's Python API, several at a time.

Each notebook runs in its own worker process (papermill and its kernel), so independent
chapters execute in parallel. Executed notebooks are cleaned before they are written:
papermill's injected-parameters cell is folded back into the `parameters` cell (which then
shows the values actually used), and every timestamp papermill and nbclient record is
removed, so the same inputs give byte-identical notebooks.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any, Callable

import nbformat

from nidb.errors import NidbError

KERNEL_NAME = "python3"
PRIVATE_KERNEL_NAME = "nidb-python"
SOURCE_DATE_EPOCH = "1700000000"  # fixed build time for reproducible notebooks and figures
KERNEL_ENV = {
    "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH,
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "Agg",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}
_CELL_METADATA_DROP = ("papermill", "execution")


class NotebookError(NidbError):
    """A notebook failed while executing."""


@dataclass(frozen=True)
class NotebookJob:
    """One notebook to execute: template in, executed notebook out, with its parameters."""

    template: Path
    output: Path
    parameters: dict[str, Any] = field(default_factory=dict)
    label: str = ""


def kernel_name() -> str:
    """Name of a Jupyter kernel that runs this interpreter (installing a private one if needed).

    The venv's own ``python3`` spec starts ``python``, which jupyter_client maps to
    ``sys.executable``; a user-level ``python3`` spec pointing at another interpreter would
    shadow it, and then a private spec for this interpreter is installed into ``sys.prefix``.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    manager = KernelSpecManager()
    try:
        argv0 = manager.get_kernel_spec(KERNEL_NAME).argv[0]
    except NoSuchKernel:
        argv0 = None
    if argv0 is not None and (
        argv0 in {"python", "python3"} or Path(argv0).resolve() == Path(sys.executable).resolve()
    ):
        return KERNEL_NAME
    try:
        spec = manager.get_kernel_spec(PRIVATE_KERNEL_NAME)
        if Path(spec.argv[0]).resolve() == Path(sys.executable).resolve():
            return PRIVATE_KERNEL_NAME
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(kernel_name=PRIVATE_KERNEL_NAME, prefix=sys.prefix, display_name="Python (nidb)")
    return PRIVATE_KERNEL_NAME


def clean_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Fold the injected-parameters cell into the `parameters` cell and drop run metadata."""
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    if injected:
        for cell in cells:
            if "parameters" in cell.metadata.get("tags", []):
                cell.source = injected[0].source.replace(
                    "# Parameters\n", "# Parameters (values used for this run)\n", 1
                )
                break
    for cell in cells:
        for key in _CELL_METADATA_DROP:
            cell.metadata.pop(key, None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                output.get("metadata", {}).pop("execution", None)
    nb.cells = cells
    nb.metadata.pop("papermill", None)
    return nb


_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Worker initializer: end this process when `parent` ends, even by SIGKILL (Linux prctl).

    A worker's kernel ends with the worker (ipykernel watches its parent process), so no
    notebook goes on writing after `nidb report` was killed."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: workers end when they next talk to the pool
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def set_kernel_environment() -> None:
    """Fix the environment that kernels inherit (seeds, build time, backend)."""
    os.environ.update(KERNEL_ENV)


def execute_notebook(job: NotebookJob, kernel: str | None = None) -> Path:
    """Execute one notebook with papermill in this process; write the cleaned result."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    set_kernel_environment()
    job.output.parent.mkdir(parents=True, exist_ok=True)
    try:
        nb = pm.execute_notebook(
            str(job.template),
            None,
            parameters=job.parameters,
            kernel_name=kernel or kernel_name(),
            cwd=str(job.output.parent),
            progress_bar=False,
            log_output=False,
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except PapermillExecutionError as exc:
        raise NotebookError(
            f"笔记本「{job.label or job.template.name}」执行失败（{exc.ename}）：{exc.evalue}"
        ) from None
    nbformat.write(clean_notebook(nb), str(job.output))
    return job.output


def execute_all(
    jobs: list[NotebookJob],
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Execute independent notebooks in parallel worker processes; return outputs in job order.

    The first failure stops the run with a `NotebookError` naming the notebook.
    """
    if not jobs:
        return []
    kernel = kernel_name()
    workers = max(1, min(len(jobs), workers or os.cpu_count() or 1))
    if workers == 1:
        outputs = []
        for job in jobs:
            outputs.append(execute_notebook(job, kernel))
            if progress:
                progress(f"已完成：{job.label or job.template.stem}")
        return outputs
    # fork where the platform has it: fast, and works from any __main__ (stdin, notebooks)
    method = "fork" if "fork" in get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context(method),
                             initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        futures = {pool.submit(execute_notebook, job, kernel): job for job in jobs}
        for future in as_completed(futures):
            if future.exception() is not None:
                pool.shutdown(wait=True, cancel_futures=True)
                raise future.exception()
            if progress:
                job = futures[future]
                progress(f"已完成：{job.label or job.template.stem}")
    return [job.output for job in jobs]


def refresh_templates(folder: Path, workers: int | None = None) -> list[Path]:
    """Re-execute every notebook template in `folder` in place with its default parameters.

    This stores the outputs that nbval checks (`make notebooks`); papermill injects no
    parameters cell when no parameters are given.
    """
    templates = sorted(folder.glob("*.ipynb"))
    return execute_all([NotebookJob(p, p, {}, label=p.stem) for p in templates], workers=workers, progress=print)


if __name__ == "__main__":  # pragma: no cover - `make notebooks`
    refresh_templates(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("notebooks"))
