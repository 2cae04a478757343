"""nbgrader's Execute step, replaced: student code in a sandbox, test cells in the referee.

`IsolatedExecute` takes the place of nbgrader's `Execute` in `Autograde.autograde_preprocessors`,
so nbgrader still restores locked cells and hidden tests before it, and still scores the outputs
and fills the gradebook after it. Only where each cell runs changes:

- the student's cells (solutions, anything the student added) run in the sandboxed kernel;
- the instructor's locked cells run there too (the student's code may use what they define) and
  in the referee, where the tests see only the instructor's own results;
- test cells run only in the referee; their outputs, and so their scores, come from there.
"""
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Integer

from autograder import referee
from autograder.sandbox import Limits, SandboxedKernelManager, Watchdog

# What each notebook's sandbox did, by the notebook's folder; the batch grader reads it.
REPORTS = {}
OUTPUT_CAP_CHARS = 2_000_000  # per cell, while running; nbgrader's LimitOutput trims further
SEED_TARGET = {}  # the channel keras.utils.set_random_seed also seeds (see referee.install_seed_forwarding)


@dataclass
class SandboxReport:
    problems: list = field(default_factory=list)  # why cells did not run: limits, crashes, timeouts
    peak_mb: float = 0.0
    seconds: float = 0.0


def cell_role(cell):
    """'test' (runs in the referee), 'locked' (both) or 'student' (sandbox only); None for markdown."""
    if cell.cell_type != "code":
        return None
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("grade") and not meta.get("solution"):
        return "test"
    if meta.get("locked") and not meta.get("solution"):
        return "locked"
    return "student"


def _note(text):
    return NotebookNode(output_type="error", ename="NotRun", evalue=text, traceback=[f"NotRun: {text}"])


class IsolatedExecute(Execute):
    """nbgrader's Execute, with the student's code sandboxed and the verdicts decided outside it."""
    memory_mb = Integer(Limits.memory_mb, help="Memory limit of a submission's kernel, in MB").tag(config=True)
    max_processes = Integer(Limits.processes, help="Most processes a submission may run at once").tag(config=True)
    notebook_timeout = Integer(Limits.wall_seconds, help="Wall-time limit of a whole notebook, in s").tag(config=True)
    threads = Integer(Limits.threads, help="CPU threads of a submission's kernel").tag(config=True)

    def create_kernel_manager(self):
        self.km = SandboxedKernelManager(self._folder, self._run_dir, self._limits)
        return self.km

    def output(self, outs, msg, display_id, cell_index):
        """Keep at most OUTPUT_CAP_CHARS of a cell's output in memory, however much it prints."""
        size = sum(len(str(o.get("text", ""))) + len(str(o.get("data", ""))) for o in outs)
        if size > OUTPUT_CAP_CHARS:
            if not outs or outs[-1].get("ename") != "OutputLimit":
                outs.append(NotebookNode(output_type="error", ename="OutputLimit",
                                         evalue="this cell printed too much; the rest was dropped", traceback=[]))
            return None
        return super().output(outs, msg, display_id, cell_index)

    def preprocess(self, nb, resources):
        self._folder = Path(resources["metadata"]["path"]).resolve()
        self._limits = Limits(memory_mb=self.memory_mb, processes=self.max_processes, wall_seconds=self.notebook_timeout,
                              threads=self.threads)
        report, started = SandboxReport(), time.monotonic()
        self.nb, self.resources = nb, resources
        with tempfile.TemporaryDirectory(prefix="rnn-sandbox-") as run_dir:
            self._run_dir = run_dir
            self.km = None
            watchdog = Watchdog(self._limits)
            try:
                with self.setup_kernel(cwd=str(self._folder)):
                    watchdog.start(self.km.provisioner.process.pid)
                    self._run_cells(nb, watchdog, report)
            except DeadKernelError:
                pass
            finally:
                watchdog.stop()
                report.peak_mb = watchdog.peak_mb
        report.seconds = time.monotonic() - started
        REPORTS[str(self._folder)] = report
        return nb, resources

    def _run_cells(self, nb, watchdog, report):
        channel = referee.SandboxChannel(self.km.connection_file, self.km.is_alive, self.km.interrupt_kernel,
                                         lambda: watchdog.reason)
        SEED_TARGET["channel"] = channel
        try:
            channel.install_agent(timeout=self.timeout)
            namespace = referee.RefereeNamespace(channel)
            kernel_alive = True
            for index, cell in enumerate(nb.cells):
                role = cell_role(cell)
                if role in ("student", "locked"):
                    kernel_alive = self._run_in_sandbox(cell, index, kernel_alive, watchdog, report)
                if role in ("locked", "test"):
                    referee.install_seed_forwarding(SEED_TARGET)
                    channel.deadline = time.monotonic() + self.timeout
                    outputs = referee.run_cell(cell.source, namespace, cell.metadata.get("nbgrader", {}).get("grade_id", "cell"))
                    if role == "test":
                        cell.outputs = outputs
        finally:
            SEED_TARGET.pop("channel", None)
            channel.close()

    def _run_in_sandbox(self, cell, index, kernel_alive, watchdog, report):
        if not kernel_alive:
            cell.outputs = [_note("not run: the kernel running your code had stopped (see above)")]
            return False
        try:
            self.execute_cell(cell, index, store_history=True)
            return True
        except DeadKernelError:
            reason = watchdog.reason or "stopped (your code exited, crashed, or was killed)"
            report.problems.append(f"the kernel {reason} in cell {index + 1}")
            cell.outputs = list(cell.get("outputs", [])) + [_note(f"the kernel running your code {reason}")]
            return False
