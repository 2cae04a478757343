"""nbgrader's Execute step, replaced: student code in a sandbox, test cells in the referee.

`IsolatedExecute` takes the place of nbgrader's `Execute` in `Autograde.autograde_preprocessors`,
so nbgrader still restores locked cells and hidden tests before it, and still scores the outputs
and fills the gradebook after it. Only where each cell runs changes:

- the student's cells (solutions, anything the student added) run in the sandboxed kernel;
- the instructor's locked cells run there too (the student's code may use what they define) and
  in the referee, where the tests see only the instructor's own results; a locked cell tagged
  kernel-only (cells.KERNEL_ONLY_TAG) runs only there, and the tests judge what it made as they
  judge the student's results;
- test cells run only in the referee; their outputs, and so their scores, come from there.

Which cell is which comes from the instructor's notebook, never from the submission's metadata,
and the referee runs every locked and test cell of the instructor's notebook even if the student
deleted it or removed its metadata: the tests never take their helpers (np, checks, functions
that earlier test cells define) from the student's kernel.
"""
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import DeduplicateIds, Execute, OverwriteCells
from traitlets import Bool, Dict, Integer, List, Unicode

from autograder import cells, referee
from autograder.cells import grade_id
from autograder.sandbox import NOBODY, Limits, SandboxedKernelManager, Watchdog, scratch_folder

OUTPUT_CAP_CHARS = 2_000_000  # per cell, while running; nbgrader's LimitOutput trims further
NOTEBOOK_OUTPUT_CAP_CHARS = 20_000_000  # all cells of a notebook together
# The kernel messages that add, change or clear a cell's outputs; each is charged to the budget.
OUTPUT_MESSAGES = {"stream", "display_data", "execute_result", "error", "update_display_data", "clear_output"}
MESSAGE_OVERHEAD_CHARS = 100  # charged per message too: a flood of empty outputs also costs memory and time
# The channel to the kernel being graded, which a test's seeding also seeds (referee.install_seed_forwarding
# patches the library's function once per process, and that patch finds the current channel here).
SEED_TARGET = {}


REPORT_KEY = "autograder"  # the autograded notebook's metadata holding its SandboxReport


def read_report(nb):
    """The SandboxReport an autograded notebook carries, or None."""
    data = nb.metadata.get(REPORT_KEY)
    return SandboxReport(**data) if isinstance(data, dict) else None


@dataclass
class SandboxReport:
    problems: list = field(default_factory=list)  # why cells did not run: limits, crashes, timeouts
    peak_mb: float = 0.0
    seconds: float = 0.0


def instructor_cells(path):
    """[(grade id, role, source)] of the locked and test code cells of the instructor's notebook, in order."""
    return cells.instructor_cells(nbformat.read(path, as_version=4))


def _cell_name(cell, index):
    name = grade_id(cell)
    return f"cell {index + 1}" + (f" ({name})" if name else "")


class RemoveDuplicateIds(DeduplicateIds):
    """nbgrader's DeduplicateIds leaves `nbgrader: {}` on all but the last copy of a duplicated cell,
    which its metadata check then rejects as an "old version" (jupyter/nbgrader#1083): a student who
    copied a cell got no grade. Remove the metadata instead, so the copies are ordinary cells."""

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.metadata.get("nbgrader") == {}:
            del cell.metadata["nbgrader"]
        return cell, resources


def in_instructor_order(notebook_cells, order):
    """`notebook_cells` with the instructor's cells (grade ids in `order`) in that order; every other cell keeps
    following the instructor's cell it followed (a student's helper cell stays with its solution)."""
    position = {name: i for i, name in enumerate(order)}
    head, chunks = [], []
    for cell in notebook_cells:
        if grade_id(cell) in position:
            chunks.append((position[grade_id(cell)], [cell]))
        elif chunks:
            chunks[-1][1].append(cell)
        else:
            head.append(cell)
    chunks.sort(key=lambda chunk: chunk[0])  # stable: duplicated cells keep their order
    return head + [cell for _, chunk in chunks for cell in chunk]


class RestoreInstructorCells(OverwriteCells):
    """nbgrader's OverwriteCells, then the instructor's order of cells.

    - Deleted graded cells and the instructor's locked code cells come back (add_missing_cells) after
      the nearest earlier instructor cell the submission still has. nbgrader's own add_missing_grade_cells only looks for that cell
      among graded and solution cells, and fails with a KeyError when it is another locked cell
      (a test cell after the instructor's markdown), so the method is replaced; nbgrader's
      missing_cell_transform still makes the cell.
    - Cells a student moved are put back in the instructor's order, so each test runs after the
      solution it tests, as the instructor wrote it (in_instructor_order).
    """

    def preprocess(self, nb, resources):
        nb, resources = super().preprocess(nb, resources)
        with Gradebook(resources["nbgrader"]["db_url"]) as gradebook:
            order = [cell.name for cell in self._source_notebook(gradebook).source_cells]
        nb.cells = in_instructor_order(nb.cells, order)
        return nb, resources

    def _source_notebook(self, gradebook):
        return gradebook.find_notebook(self.notebook_id, self.assignment_id)

    def add_missing_grade_cells(self, nb, resources):
        source = self._source_notebook(self.gradebook)
        source_cells = list(source.source_cells)
        order = [cell.name for cell in source_cells]
        solutions = {cell.name for cell in source.solution_cells}
        present = {grade_id(cell) for cell in nb.cells} - {None}
        graded = {cell.name: cell for cell in source.grade_cells}
        for index, name in enumerate(order):
            source_cell = source_cells[index]
            locked_code = source_cell.locked and source_cell.cell_type == "code" and name not in solutions
            if name in present or not (name in graded or locked_code):
                continue
            self.log.warning(f"Missing cell {name} encountered, adding to notebook")
            if name in graded:
                cell = self.missing_cell_transform(source_cell, graded[name].max_score, is_solution=name in solutions)
            else:  # the instructor's setup code: the student's code may need what it defines
                cell = MetadataValidator().upgrade_cell_metadata(nbformat.v4.new_code_cell(
                    source_cell.source, metadata={"nbgrader": {"grade": False, "solution": False, "task": False,
                                                               "locked": True, "grade_id": name, "schema_version": 3,
                                                               "checksum": source_cell.checksum}}))
            earlier = [other for other in order[:index] if other in present]
            at = 0 if not earlier else 1 + max(i for i, c in enumerate(nb.cells) if grade_id(c) == earlier[-1])
            nb.cells.insert(at, cell)
            present.add(name)
        return nb, resources


def use_referee(config):
    """Make nbgrader's Autograde (the `nbgrader autograde` command, the formgrader's Autograde button,
    `autograder grade`) run cells with IsolatedExecute, drop duplicated cells' metadata with
    RemoveDuplicateIds and restore the instructor's cells with RestoreInstructorCells: its
    preprocessor lists with those three steps swapped in, nothing else changed."""
    from nbgrader.converters import Autograde
    swap = {Execute: IsolatedExecute, DeduplicateIds: RemoveDuplicateIds, OverwriteCells: RestoreInstructorCells}
    for name in ("autograde_preprocessors", "sanitize_preprocessors"):
        config.Autograde[name] = [swap.get(pp, pp) for pp in Autograde.class_traits()[name].default()]
    return config


def use_stock_nbgrader(config):
    """Undo use_referee: nbgrader's own preprocessors, test cells in the student's kernel. Only for the
    live controls of the tests and the benchmark, which show what an attack does to stock nbgrader."""
    from nbgrader.converters import Autograde
    for name in ("autograde_preprocessors", "sanitize_preprocessors"):
        config.Autograde[name] = Autograde.class_traits()[name].default()
    config.OverwriteCells.add_missing_cells = False
    return config


# Appended to a scratch course's nbgrader_config.py to grade it with stock nbgrader.
STOCK_NBGRADER_CONFIG = "\nfrom autograder.isolated import use_stock_nbgrader  # noqa: E402\n\nuse_stock_nbgrader(c)\n"


class OutputBudget:
    """Characters of output the sandboxed cells of one notebook may still produce, per cell and in all."""

    def __init__(self, notebook):
        self.notebook = notebook
        self.total, self.per_cell, self.exhausted = 0, {}, set()

    def left(self, cell_index):
        if cell_index in self.exhausted:
            return 0
        return max(0, min(OUTPUT_CAP_CHARS - self.per_cell.get(cell_index, 0), NOTEBOOK_OUTPUT_CAP_CHARS - self.total))

    def charge(self, cell_index, chars):
        self.total += chars
        self.per_cell[cell_index] = self.per_cell.get(cell_index, 0) + chars

    def exhaust(self, cell_index):
        self.exhausted.add(cell_index)

    def why(self, cell_index):
        """Which limit the cell ran into, while it still has some of the budget left."""
        if OUTPUT_CAP_CHARS - self.per_cell.get(cell_index, 0) <= NOTEBOOK_OUTPUT_CAP_CHARS - self.total:
            return f"this cell printed more than {OUTPUT_CAP_CHARS:,} characters"
        return f"the notebook's cells printed more than {NOTEBOOK_OUTPUT_CAP_CHARS:,} characters together"


def _content_chars(content):
    """Characters of text in a message's content (all strings, keys too), plus the per-message overhead.

    Walked without recursion: the content is the kernel's JSON, which the student's code chooses.
    """
    chars, pending = MESSAGE_OVERHEAD_CHARS, [content]
    while pending:
        value = pending.pop()
        if isinstance(value, (str, bytes)):
            chars += len(value)
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, (list, tuple)):
            pending.extend(value)
        else:
            chars += 1
    return chars


def _note(text):
    return NotebookNode(output_type="error", ename="NotRun", evalue=text, traceback=[f"NotRun: {text}"])


class IsolatedExecute(Execute):
    """nbgrader's Execute, with the student's code sandboxed and the verdicts decided outside it."""
    memory_mb = Integer(Limits.memory_mb, help="Memory limit of a submission's kernel, in MB").tag(config=True)
    max_processes = Integer(Limits.processes, help="Most processes a submission may run at once").tag(config=True)
    notebook_timeout = Integer(Limits.wall_seconds, help="Wall-time limit of a whole notebook, in s").tag(config=True)
    threads = Integer(Limits.threads, help="CPU threads of a submission's kernel").tag(config=True)
    writable_mb = Integer(Limits.writable_mb, help="Size of each folder a submission's kernel may write in, "
                          "in MB").tag(config=True)
    sandbox_uid = Integer(NOBODY, help="The unprivileged uid (and gid) that runs bubblewrap when grading as "
                          "root").tag(config=True)

    sandbox = Bool(True, help="Run the student's code under bubblewrap. Off only for a self-check on a machine "
                   "without it: the tests run in the referee either way, so the verdicts are the same").tag(config=True)

    # What is specific to a course is configured (nbgrader_config.py), so this grader serves any course.
    packages = List(Unicode(), help="Packages the kernel imports from private read-only copies (the course's "
                    "helper package): the referee imports the originals, which the sandbox never sees").tag(config=True)
    kernel_env = Dict(value_trait=Unicode(), help="Environment variables of the kernel and of the grading process "
                      "(\"{threads}\" stands for the kernel's threads), e.g. to quiet TensorFlow").tag(config=True)
    seed_functions = List(Unicode(), help="Dotted names of seeding functions (keras.utils.set_random_seed): a test "
                          "that calls one also calls it in the student's kernel").tag(config=True)
    preload = List(Unicode(), help="Modules each grading process imports as it starts, while the assignment is "
                   "generated (the tests' heavy libraries), so that its first submission does not wait for "
                   "them").tag(config=True)
    reset_functions = List(Unicode(), help="Dotted names of functions called in the grading process before each "
                           "notebook (keras.backend.clear_session), so no state passes from one student to the "
                           "next").tag(config=True)

    def create_kernel_manager(self):
        self.km = SandboxedKernelManager(self._folder, self._run_dir, self._limits, sandbox_uid=self.sandbox_uid,
                                         sandboxed=self.sandbox, packages=self.packages, environment=self.kernel_env)
        return self.km

    # Widgets are not graded: their comm messages are dropped (see process_message), and none of
    # their state is kept, which nbclient would otherwise hold and write into the notebook.
    store_widget_state = Bool(False, help="Keep Jupyter widgets' state (never while grading)").tag(config=True)

    def process_message(self, msg, cell, cell_index):
        """nbclient's handling of a kernel message, with every output charged to the output budget.

        nbclient routes messages past `output()`: update_display_data rewrites earlier outputs in
        place, clear_output empties them, and comm messages feed widget state and Output widgets
        (which capture outputs through their own hook). Charging here, where every message of the
        cell arrives, leaves no way around the budget; a cleared output stays charged.
        """
        msg_type = msg["msg_type"]
        if msg_type.startswith("comm"):
            return None
        if msg_type not in OUTPUT_MESSAGES:
            return super().process_message(msg, cell, cell_index)
        budget = self._output_budget()
        size, left = _content_chars(msg.get("content", {})), budget.left(cell_index)
        if size <= left:
            budget.charge(cell_index, size)
            return super().process_message(msg, cell, cell_index)
        output, why = None, budget.why(cell_index)
        text = msg.get("content", {}).get("text")
        if msg_type == "stream" and isinstance(text, str) and left > MESSAGE_OVERHEAD_CHARS:
            msg["content"]["text"] = text[:left - MESSAGE_OVERHEAD_CHARS]  # one huge print: keep its start
            budget.charge(cell_index, left)
            output = super().process_message(msg, cell, cell_index)
        budget.exhaust(cell_index)
        if not (cell.outputs and cell.outputs[-1].get("ename") == "OutputLimit"):
            cell.outputs.append(NotebookNode(output_type="error", ename="OutputLimit", traceback=[],
                                             evalue=why + "; the rest was dropped"))
        return output

    def _output_budget(self):
        if getattr(self, "_budget", None) is None or self._budget.notebook is not self.nb:
            self._budget = OutputBudget(self.nb)
        return self._budget

    def preprocess(self, nb, resources):
        # Nothing in the sandbox outlives the notebook: kill the kernel instead of waiting for it to exit.
        self.shutdown_kernel = "immediate"
        self._folder = Path(resources["metadata"]["path"]).resolve()
        self._limits = Limits(memory_mb=self.memory_mb, processes=self.max_processes, wall_seconds=self.notebook_timeout,
                              threads=self.threads, writable_mb=self.writable_mb)
        report, started = SandboxReport(), time.monotonic()
        self.nb, self.resources = nb, resources
        coursedir, info = CourseDirectory(config=self.config), resources["nbgrader"]
        self._instructor = instructor_cells(Path(coursedir.format_path(
            coursedir.source_directory, ".", info["assignment"])) / f"{info['notebook']}.ipynb")
        with tempfile.TemporaryDirectory(prefix="rnn-sandbox-") as run_dir:
            self._run_dir = run_dir
            self.km = None
            watchdog = Watchdog(self._limits, sandboxed=self.sandbox)
            referee.call_loaded(self.reset_functions)
            try:
                # The kernel never works in nbgrader's folder (it gets copies of its files, in memory).
                with self.setup_kernel(cwd=run_dir):
                    watchdog.start(self.km.provisioner.process.pid, cgroup=self.km.cgroup, run_dir=run_dir,
                                   scratch=scratch_folder(self._folder))
                    self._run_cells(nb, watchdog, report)
            except DeadKernelError:
                pass
            finally:
                watchdog.stop()
                if self.km is not None:
                    self.km.remove_cgroup()
                report.peak_mb = watchdog.peak_mb
        report.seconds = time.monotonic() - started
        # What the sandbox did travels with the graded notebook (set last: whatever the student's
        # notebook held under this key is replaced); the batch grader reads it back with read_report.
        nb.metadata[REPORT_KEY] = asdict(report)
        return nb, resources

    def _run_cells(self, nb, watchdog, report):
        channel = referee.SandboxChannel(self.km.connection_file, self.km.is_alive, self.km.interrupt_kernel,
                                         lambda: watchdog.reason)
        SEED_TARGET["channel"] = channel
        try:
            channel.install_agent(timeout=self.timeout)
            namespace = referee.RefereeNamespace(channel)
            roles = {grade_id: role for grade_id, role, _ in self._instructor}
            position = {grade_id: i for i, (grade_id, _, _) in enumerate(self._instructor)}
            ran = set()

            def run_in_referee(grade_id, source):
                referee.install_seed_forwarding(self.seed_functions, SEED_TARGET)
                channel.deadline = time.monotonic() + self.timeout
                ran.add(grade_id)
                return referee.run_cell(source, namespace, grade_id)

            kernel_alive = True
            for index, cell in enumerate(nb.cells):
                grade_id = cells.grade_id(cell)
                role = None if cell.cell_type != "code" else roles.get(grade_id, "student")
                if role in ("student", "locked", "kernel"):
                    kernel_alive = self._run_in_sandbox(cell, index, kernel_alive, watchdog, report)
                if role in ("locked", "test"):
                    # First the instructor's cells before this one that the submission lacks (deleted,
                    # or their metadata removed); their outputs go nowhere.
                    for missing_id, missing_role, source in self._instructor[:position[grade_id]]:
                        if missing_id not in ran and missing_role != "kernel":
                            run_in_referee(missing_id, source)
                    if role == "test" or grade_id not in ran:
                        outputs = run_in_referee(grade_id, cell.source)
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
            if any(output.get("ename") == "CellTimeoutError" for output in cell.get("outputs", [])):
                report.problems.append(f"{_cell_name(cell, index)} ran longer than the per-cell limit of "
                                       f"{self.timeout} s and was interrupted")
            return True
        except CellTimeoutError:  # interrupted after the time limit, it did not even finish its output
            watchdog.kill(f"did not stop when interrupted at the per-cell limit of {self.timeout} s, so it was killed,")
            return self._kernel_lost(cell, index, watchdog, report)
        except DeadKernelError:
            return self._kernel_lost(cell, index, watchdog, report)

    def _kernel_lost(self, cell, index, watchdog, report):
        reason = watchdog.reason or "stopped (your code exited, crashed, or was killed)"
        report.problems.append(f"the kernel {reason} in {_cell_name(cell, index)}")
        cell.outputs = list(cell.get("outputs", [])) + [_note(f"the kernel running your code {reason}")]
        return False
