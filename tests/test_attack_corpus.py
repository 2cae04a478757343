"""The attack corpus against the grader, with a live control for every attack.

An attack that fails against `autograder grade` proves nothing unless it works where the defence is
absent. So each attack of NEW_ATTACKS (tests/attacks/) runs twice:

- its CONTROL: graded by stock `nbgrader autograde` and `generate_feedback` (no sandbox, tests in the
  student's kernel, none of the course's plugins or preprocessors: STOCK_CONFIG), one run for all of
  them, where it must earn points or do its damage (in that scratch course only); or, where stock
  nbgrader is no meaningful control (memory files, remounting a bind, a FIFO, a dead worker, the
  referee's decoder, and attacks that the course's own checks defeat wherever they run), the
  lowest-level demonstration that the mechanism works;
- DEFENDED: a class of good students, the attacks and special submissions graded by the batch of
  `autograder grade` in a subprocess (a hung batch fails instead of stalling the suite), as the
  current user and, when the tests run as root, as uid 4242 with every attack whose outcome depends
  on the grader's uid (UID_DEPENDENT). Each attack must
  earn nothing beyond what its wrong code earns honestly, be flagged where it tried, change nothing
  outside its own output, and leave everyone else's grade right.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

from attacks import CORPUS, HIDDEN_ONLY_SHAPES, NEW_ATTACKS, UNIT, evidence_in
from autograder.batch import SubmissionResult
from autograder.course import COURSE_ROOT, make_scratch_course, nbgrader_env, run_nbgrader
from autograder.isolated import STOCK_NBGRADER_CONFIG
from course_lab import with_python_reachable
from shared_run import once
from test_batch_grading import (
    CELL_TIMEOUT,
    FULL,
    LIMITS,
    MAX_SCORE,
    gradebook_scores,
    release,
    solution,
    tree_digest,
    write,
    write_attack,
)

pytestmark = [pytest.mark.sandbox, pytest.mark.slow, pytest.mark.xdist_group("corpus")]

VICTIM = "victim"
ORDINARY_UID = 4242
# Attacks whose control is stock nbgrader; the others have lower-level controls below. fake_array_shape and
# mutates_hidden_inputs earn nothing under stock nbgrader too: the course's checks (checks.as_numbers, expected
# values computed before the call) defeat them in the student's kernel as well.
STOCK_CONTROLLED = sorted(set(NEW_ATTACKS) - {"remounts_rnncourse", "memfd_hoard", "giant_reply",
                                              "fake_array_shape", "mutates_hidden_inputs"})
# Appended to a scratch course's nbgrader_config.py for the stock controls: nbgrader's own collector, with the
# file-name expression the course used before autograder/lms.py, and the feedback without the course's
# preprocessor (autograder/feedback.py). Everything else (ClearHiddenTests, timeouts) stays the course's.
STOCK_CONFIG = r'''
# ---- live control: stock nbgrader, without the course's plugin and preprocessor (autograder/) ----
from nbgrader.plugins import FileNameCollectorPlugin  # noqa: E402

c.ZipCollectApp.collector_plugin = FileNameCollectorPlugin
c.FileNameCollectorPlugin.named_regexp = r".*/(?P<student_id>[^/_]+)_(?:[^/]*_)?(?P<file_id>\d\d_[a-z_]+\.ipynb)$"
c.GenerateFeedback.preprocessors = [p for p in c.GenerateFeedback.preprocessors
                                    if not p.__module__.startswith("autograder")]
''' + STOCK_NBGRADER_CONFIG
LINK_TEXT = "leave_link("  # in the link attacks' notebooks: shows where nbgrader wrote them
FLOODS = ("display_update_flood", "widget_flood")
FORGED = "zz-forged"   # what a forged line of the report would start with
NEWLINE_STUDENT = f"special-newline\n{FORGED}  14 of 14  graded"  # no slash: one folder
NEWLINE_FILE = f"notes\n{FORGED}-file  14 of 14  graded.txt"
MARKER = uuid.uuid4().hex[:12]  # the remount attack's file name in rnncourse/, new every run
GOOD = {"solution": FULL, VICTIM: FULL, "untouched-release": 0}
# What the uid-4242 run grades: the attacks on the sandbox's boundary, whose outcome depends on the uid the
# grader runs as (root: bwrap's mounts then setpriv to uid 65534, a memory cgroup; an ordinary uid: a user
# namespace, the watchdog counting memfds, files owned by that uid): files and links, mounts and capabilities,
# memory, processes, the network, the kernel's start and environment. The others are decided by the referee
# and nbgrader from what crosses the wire, the same whoever runs the grader; they are graded as the current
# user (root on CI), here (NEW_ATTACKS) and in tests/test_batch_grading.py (ATTACKS). Grading them again as
# uid 4242 proved nothing more and cost time: the whole corpus (38 submissions) took about 130 s on 2 cores,
# these (18 with the special submissions) about 55 s.
UID_DEPENDENT = ("reads_instructor_files", "writes_outside", "network", "early_exit", "detects_grading",
                 "link_overwrites_other_submission", "link_overwrites_source", "link_writes_startup_file",
                 "links_leak_into_feedback", "remounts_rnncourse", "memfd_hoard", "many_files",
                 "shadows_kernel_launcher")


def student(name):
    return f"attack-{name}"


# The students whose feedback is generated after grading: the attacks that aim at the feedback.
FEEDBACK_FOR = (student("links_leak_into_feedback"), student("records_hidden_inputs"))


def tokens(course, port=9):
    return {"__COURSE__": course, "__REPO__": COURSE_ROOT, "__PORT__": port, "__VICTIM__": VICTIM,
            "__MARKER__": MARKER}


def new_course(course):
    course.mkdir(parents=True, exist_ok=True)
    make_scratch_course(course, [UNIT])
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + f"\nc.Execute.timeout = {CELL_TIMEOUT}  # tests: a short per-cell limit\n")
    (course / "decoy-home").mkdir()  # where the start-up file attack aims its link
    run_nbgrader(course, "generate_assignment", UNIT, "--force", "--log-level=ERROR")
    write(course / "submitted" / VICTIM / UNIT, solution())
    return course


def stock_course(course):
    """A scratch course whose configuration is nbgrader's own where the course's defences would act."""
    new_course(course)
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + STOCK_CONFIG)
    from nbgrader.plugins import FileNameCollectorPlugin
    from traitlets.config.loader import PyFileConfigLoader
    loaded = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    assert loaded.ZipCollectApp.collector_plugin is FileNameCollectorPlugin, "the control is not stock"
    assert not [p for p in loaded.GenerateFeedback.preprocessors if p.__module__.startswith("autograder")], \
        "the control is not stock"
    assert not [p for p in loaded.Autograde.autograde_preprocessors if p.__module__.startswith("autograder")], \
        "the control is not stock: nbgrader_config.py's referee is still on"
    return course


def notebook_of(course, who):
    return course / "autograded" / who / UNIT / f"{UNIT}.ipynb"


def read_or_none(path):
    try:
        return nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 (a missing or overwritten notebook: the test says which)
        return None


def big_files_cleanup(course):
    """The many-files attack's and the floods' gigabyte leftovers: measured, then deleted."""
    for path in list((course / "autograded").rglob("part*.bin")):
        path.unlink()
    for name in FLOODS:
        path = notebook_of(course, student(name))
        if path.is_file() and path.stat().st_size > 10_000_000:
            path.unlink()


def feedback_leaks(course):
    """Files of the links attack's feedback that hold the source notebook, the gradebook or the configuration."""
    folder = course / "feedback" / student("links_leak_into_feedback") / UNIT
    leaked = {}
    for path in folder.rglob("*") if folder.is_dir() else []:
        if path.is_file():
            data = path.read_bytes()
            for what, sign in (("hidden tests", b"BEGIN HIDDEN TESTS"), ("gradebook", b"SQLite format 3"),
                               ("configuration", b"c.CourseDirectory")):
                if sign in data:
                    leaked[path.name] = what
    return leaked


def measure(course, names):
    """What each attack left behind in `course`, for the tests to compare."""
    seen = {}
    for name in names:
        nb_path = notebook_of(course, student(name))
        nb = read_or_none(nb_path) if name not in FLOODS else None
        last_cell = "".join(str(o.get("text", "")) for o in nb.cells[-1].get("outputs", [])) if nb else None
        folder = nb_path.parent
        feedback = course / "feedback" / student(name) / UNIT / f"{UNIT}.html"
        shown = feedback.read_text(errors="replace") if feedback.is_file() else None
        seen[name] = {
            "evidence": evidence_in(nb) if nb else None,
            # Which of the hidden tests' input shapes the student's feedback shows (None: no feedback).
            "feedback_hidden_shapes": None if shown is None else [s for s in HIDDEN_ONLY_SHAPES if s in shown],
            "notebook_bytes": nb_path.stat().st_size if nb_path.is_file() else None,
            "bin_mb": sum(p.stat().st_size for p in folder.glob("part*.bin")) / 2**20 if folder.is_dir() else 0,
            "last_cell_output": last_cell,
            "links_in_autograded": sorted(p.name for p in folder.iterdir() if p.is_symlink()) if folder.is_dir() else [],
        }
    victim = (course / "submitted" / VICTIM / UNIT / f"{UNIT}.ipynb").read_text()
    return {
        "attacks": seen,
        "victim_overwritten": LINK_TEXT in victim,
        "source_overwritten": LINK_TEXT in (course / "source" / UNIT / f"{UNIT}.ipynb").read_text(),
        "decoy_written": (course / "decoy-home" / ".bashrc").exists(),
        "feedback_leaks": feedback_leaks(course),
        "scores": gradebook_scores(course),
    }


# ---- controls: stock nbgrader, one run for all stock-controlled attacks --------------------------

def stock_control(folder):
    course = stock_course(folder)
    for name in STOCK_CONTROLLED:
        write_attack(course / "submitted" / student(name) / UNIT, NEW_ATTACKS[name], tokens(course))
    started = time.monotonic()
    # nbgrader exits non-zero when any notebook failed: the results are what counts, not its exit status.
    autograde = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "autograde", UNIT, "--force",
                                f"--CourseDirectory.student_id_exclude={VICTIM}"],
                               cwd=course, env=nbgrader_env(), capture_output=True, text=True)
    feedback = [subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "generate_feedback", UNIT, "--force",
                                "--student", who], cwd=course, env=nbgrader_env(), capture_output=True, text=True)
                for who in FEEDBACK_FOR]
    result = {**measure(course, STOCK_CONTROLLED), "seconds": time.monotonic() - started,
              "autograde_log": autograde.stderr[-3000:], "feedback_log": "".join(f.stderr[-2000:] for f in feedback)}
    big_files_cleanup(course)
    return result


@pytest.fixture(scope="module")
def stock(tmp_path_factory):
    data = once(tmp_path_factory, "attack-corpus-stock", stock_control)
    print(f"stock nbgrader control run: {data['seconds']:.0f} s")
    return data


def test_stock_control_shadowed_launcher_runs_and_earns_points(stock):
    seen = stock["attacks"]["shadows_kernel_launcher"]
    assert seen["evidence"] == {"launcher_ran": True}, seen
    assert stock["scores"][student("shadows_kernel_launcher")] > 0, stock["scores"]


def test_stock_control_links_overwrite_and_leak(stock):
    assert stock["victim_overwritten"], "another student's submitted notebook was not overwritten"
    assert stock["source_overwritten"], "the instructor's source notebook was not overwritten"
    assert stock["decoy_written"], "nothing was written at the start-up file's path"
    assert set(stock["feedback_leaks"].values()) == {"hidden tests", "gradebook", "configuration"}, \
        (stock["feedback_leaks"], stock["feedback_log"])


def test_stock_control_many_files_land_in_autograded(stock):
    assert stock["attacks"]["many_files"]["bin_mb"] >= LIMITS["memory_mb"], stock["attacks"]["many_files"]


@pytest.mark.parametrize("name", FLOODS)
def test_stock_control_floods_make_a_huge_notebook(stock, name):
    assert stock["attacks"][name]["notebook_bytes"] > 90_000_000, stock["attacks"][name]


def test_stock_control_hidden_inputs_show_in_the_feedback(stock):
    seen = stock["attacks"]["records_hidden_inputs"]
    assert seen["feedback_hidden_shapes"] == list(HIDDEN_ONLY_SHAPES), (seen, stock["feedback_log"])


# ---- live controls of the first corpus (ATTACKS, defended in tests/test_batch_grading.py) --------

# What each attack of ATTACKS does under stock nbgrader (measured: tests below). Those that earn points or
# do harm there are live: their zero under `autograder grade` proves the defence. The rest earn nothing
# under stock nbgrader either (nbgrader refuses the notebook, restores the cell, or the course's checks
# see through them): they stay as regression cases and prove nothing about the referee.
EARN_UNDER_STOCK = ("checks_patched", "deletes_setup_cell", "detects_grading", "magic_objects",
                    "replaces_test_helpers", "run_cell", "unlocks_setup_cell")
HARM_UNDER_STOCK = ("network", "reads_instructor_files", "writes_outside")
NOT_LIVE = ("ast_transformer", "early_exit", "exception_display", "forged_locked_cell", "forged_setup_cell",
            "input_transformer", "numpy_patched", "setup_marked_solution", "test_marked_ungraded")
# Graded alone, after the others: two stop stock nbgrader's whole batch (a ValidationError, a metadata
# "version" it takes for an old one), the last rewrites every score in the gradebook.
GRADED_ALONE = ("forged_locked_cell", "forged_setup_cell", "writes_outside")


def first_corpus_stock_control(folder):
    from attacks import ATTACKS
    from test_batch_grading import ConnectionCounter
    course, server = stock_course(folder), ConnectionCounter()
    # Without a sandbox the attacks really write where they aim: at a decoy of the repository, not at it.
    decoy = course / "decoy-repo"
    (decoy / "rnncourse").mkdir(parents=True)
    (decoy / "rnncourse" / "checks.py").write_text("# a decoy\n")
    for name, attack in ATTACKS.items():
        write_attack(course / "submitted" / student(name) / UNIT, attack,
                     {**tokens(course, server.port), "__REPO__": decoy})
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    excluded = ",".join([VICTIM, *map(student, GRADED_ALONE)])
    subprocess.run([nbgrader, "autograde", UNIT, "--force", f"--CourseDirectory.student_id_exclude={excluded}"],
                   cwd=course, env=nbgrader_env(), capture_output=True, text=True)
    scores = gradebook_scores(course)
    for name in GRADED_ALONE:
        subprocess.run([nbgrader, "autograde", UNIT, "--force", "--student", student(name)],
                       cwd=course, env=nbgrader_env(), capture_output=True, text=True)
    server.close()
    evidence = {name: evidence_in(read_or_none(notebook_of(course, student(name))) or nbformat.v4.new_notebook())
                for name in HARM_UNDER_STOCK}
    return {"scores": {name: scores.get(student(name)) or 0.0 for name in ATTACKS},
            "evidence": evidence, "connections": server.count, "decoy_written": (decoy / "pwned.txt").exists()}


@pytest.fixture(scope="module")
def first_stock(tmp_path_factory):
    return once(tmp_path_factory, "attack-corpus-first-stock", first_corpus_stock_control)


def test_every_attack_of_the_first_corpus_is_classified():
    from attacks import ATTACKS
    assert sorted(EARN_UNDER_STOCK + HARM_UNDER_STOCK + NOT_LIVE) == sorted(ATTACKS)


@pytest.mark.parametrize("name", EARN_UNDER_STOCK)
def test_stock_control_first_corpus_attack_earns_points(first_stock, name):
    from attacks import ATTACKS
    assert first_stock["scores"][name] > ATTACKS[name].earns, first_stock["scores"]


def test_stock_control_first_corpus_attacks_do_harm(first_stock):
    seen = first_stock["evidence"]
    read = seen["reads_instructor_files"]["read"]
    assert any(isinstance(size, int) for path, size in read.items() if path.endswith("source/02_hidden_state/"
                                                                                      "02_hidden_state.ipynb")), read
    assert seen["writes_outside"]["append"][next(p for p in seen["writes_outside"]["append"]
                                                 if p.endswith("/gradebook.db"))] == "WROTE", seen["writes_outside"]
    assert first_stock["connections"] > 0, seen["network"]
    assert first_stock["decoy_written"], "nothing was written into the decoy of the repository"


@pytest.mark.parametrize("name", NOT_LIVE)
def test_first_corpus_regression_cases_earn_nothing_under_stock_either(first_stock, name):
    """If one of these starts earning points under stock nbgrader, it is live: move it to EARN_UNDER_STOCK."""
    from attacks import ATTACKS
    assert first_stock["scores"][name] <= ATTACKS[name].earns, first_stock["scores"]


# ---- controls below stock nbgrader ---------------------------------------------------------------

def attack_code(name):
    """The names an attack's payload and solution cells define, run as plain Python (no grader: no agent)."""
    attack, namespace = NEW_ATTACKS[name], {"np": np}
    for source in [attack.payload, *attack.solutions.values()]:
        exec(source, namespace)  # the corpus's own code
    return namespace


def step_inputs(seed, N, D, H, scale=1.0):
    """Inputs of rnn_step_forward as the notebook's random_step_inputs draws them."""
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(N, D)), rng.normal(size=(N, H)),
            scale * rng.normal(size=(D, H)), scale * rng.normal(size=(H, H)), scale * rng.normal(size=H))


def test_control_an_answer_can_report_one_shape_and_convert_to_an_empty_array():
    """fake_array_shape's answers: asked for `shape` they say the expected one; as arrays they are empty, and
    np.allclose of an empty array against any array is True. A check that takes the shape from the object and
    the values from its conversion (what checks.as_numbers now prevents) passes them all."""
    functions = attack_code("fake_array_shape")
    x, h_prev, Wx, Wh, b = step_inputs(7, 4, 3, 5)
    z = np.random.default_rng(8).normal(size=(2, 3, 6))
    for got, expected in [(functions["rnn_step_forward"](x, h_prev, Wx, Wh, b)[0], np.tanh(x @ Wx + h_prev @ Wh + b)),
                          (functions["softmax"](z), np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True))]:
        assert got.shape == expected.shape, (got.shape, expected.shape)
        assert np.allclose(np.asarray(got, dtype=float), expected)
        assert np.asarray(got).size == 0, "the answer holds numbers: it is not the attack's empty array"


def test_control_a_test_computing_its_expectation_after_the_call_accepts_zeroed_inputs():
    """mutates_hidden_inputs's rnn_step_forward on the hidden value test's inputs: it zeroes them in place and
    returns zeros. A test that computes its expected value from the inputs after the call (as the hidden test
    did before it was changed to compute it first) accepts that, while the right answer for the inputs as
    given is not zero."""
    rnn_step_forward = attack_code("mutates_hidden_inputs")["rnn_step_forward"]
    for seed, (N, D, H) in enumerate([(1, 1, 1), (6, 3, 2), (4, 5, 7)]):  # the hidden test's seeds and sizes
        x, h_prev, Wx, Wh, b = step_inputs(100 + seed, N, D, H)
        right = np.tanh(x @ Wx + h_prev @ Wh + b)
        got, _ = rnn_step_forward(x, h_prev, Wx, Wh, b)
        after_the_call = np.tanh(x @ Wx + h_prev @ Wh + b)
        assert np.allclose(got, after_the_call), (N, D, H, got, after_the_call)
        assert not np.allclose(got, right), f"{(N, D, H)}: the answer is right, so the control shows nothing"


def test_control_memfd_memory_is_invisible_to_rss():
    """300 MB in memory files: the system's shared memory grows by that much, the process's RSS does not."""
    script = ("import os, sys, time\nheld = []\nblock = b'x' * 2**20\nfor i in range(3):\n"
              "    fd = os.memfd_create(f'm{i}')\n    [os.write(fd, block) for _ in range(100)]\n    held.append(fd)\n"
              "print('ready', flush=True)\nsys.stdin.readline()\n")
    def shmem_mb():
        return int(next(line for line in open("/proc/meminfo") if line.startswith("Shmem:")).split()[1]) / 1024
    before = shmem_mb()
    child = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        import psutil
        rss_mb, grown_mb = psutil.Process(child.pid).memory_info().rss / 2**20, shmem_mb() - before
    finally:
        child.communicate("\n", timeout=30)
    assert rss_mb < 100 and grown_mb > 250, (rss_mb, grown_mb)


def test_control_root_can_remount_a_read_only_bind(tmp_path):
    """As root, bubblewrap's --ro-bind is a flag the sandboxed process can clear (here on a scratch folder)."""
    if os.geteuid() != 0:
        pytest.skip("remounting needs root: the tests do not run as root")
    folder = tmp_path / "read-only"
    folder.mkdir()
    payload = (f"import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
               f"print(libc.mount(None, b'{folder}', None, 32 | 4096, None), ctypes.get_errno())\n"
               f"open('{folder}/marker.txt', 'w').write('x')\n")
    command = [shutil.which("bwrap"), "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/",
               "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--ro-bind", str(folder), str(folder),
               # the venv again, in case the course lives under /tmp (a CI clone), which the tmpfs hides
               "--ro-bind", sys.prefix, sys.prefix, sys.executable, "-c", payload]
    blocked = subprocess.run(command[:-2] + ["-c", f"open('{folder}/blocked.txt', 'w')"], capture_output=True)
    assert blocked.returncode != 0, "the bind was writable even without a remount: no control"
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0 and (folder / "marker.txt").exists(), done.stdout + done.stderr


def test_control_nested_lists_decode_to_far_more_than_they_weigh():
    """Decoding 7.5 MB of `[],` as wire.loads does holds over 20 times that (so 75 MB: gigabytes).

    tracemalloc counts what the decoded value holds (an empty list is 56 bytes, plus 8 for its place in
    the outer list, for 3 characters); the process's peak RSS, used before, depends on what the
    allocator had already freed and fell short of it."""
    # wire.loads's own decoding, json.loads then wire.decode, without its size check (wire._check_size,
    # the defence, which refuses this text before decoding it).
    script = ("import json, tracemalloc\nfrom autograder import wire\n"
              "text = '[' + '[],' * 2_500_000 + '[]]'\ntracemalloc.start()\n"
              "value = wire.decode(json.loads(text), lambda record: None)\n"
              "print(tracemalloc.get_traced_memory()[0] / 2**20, len(text) / 2**20)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=COURSE_ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    held_mb, text_mb = map(float, done.stdout.split())
    assert held_mb > 20 * text_mb, (held_mb, text_mb)


def test_control_a_fifo_notebook_blocks_its_reader(tmp_path):
    fifo = tmp_path / f"{UNIT}.ipynb"
    os.mkfifo(fifo)
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run([sys.executable, "-c", f"import nbformat; nbformat.read({str(fifo)!r}, as_version=4)"],
                       timeout=3)


def _die(_):
    os._exit(1)


def test_control_a_dead_worker_breaks_every_submission_of_a_process_pool():
    """One worker that dies (the OOM killer, a crash in the referee) fails every pending future of the pool."""
    import concurrent.futures
    import multiprocessing
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        # Sleepers far longer than a worker takes to start and die, even on a loaded machine (5 s was not).
        futures = [pool.submit(_die, 0)] + [pool.submit(time.sleep, 120) for _ in range(4)]
        errors = [type(f.exception()).__name__ for f in futures]
    for process in multiprocessing.active_children():  # the pool's survivors would wait for work forever
        process.kill()
    assert errors.count("BrokenProcessPool") == 5, errors


def test_control_a_name_with_a_line_break_forges_a_line(tmp_path):
    """The file system keeps the line break, and a report row that prints the name raw grows a forged row."""
    (tmp_path / "submitted" / NEWLINE_STUDENT / UNIT).mkdir(parents=True)
    found = os.listdir(tmp_path / "submitted")
    assert found == [NEWLINE_STUDENT]
    row = f"{found[0]}  0/14  graded"
    assert any(line.startswith(FORGED) for line in row.splitlines())


def lms_zip(path):
    """A Moodle-style download: one folder per submitter (the LMS's own field), the student's file name inside."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"Mallory Evil_111_assignsubmission_file_/{VICTIM}_{UNIT}.ipynb",
                         nbformat.writes(release()))  # carries the victim's id
        archive.writestr(f"Mallory Evil_111_assignsubmission_file_/.._{UNIT}.ipynb", nbformat.writes(release()))
    return path


def zip_outcome(course):
    victim = (course / "submitted" / VICTIM / UNIT / f"{UNIT}.ipynb").read_text()
    escaped = sorted(str(p.relative_to(course)) for p in course.rglob(f"*{UNIT}.ipynb")
                     if not any(part in ("submitted", "source", "release", "downloaded", "autograded", "feedback")
                                for part in p.relative_to(course).parts))
    return {"victim_replaced": nbformat.reads(victim, as_version=4).cells != solution().cells, "escaped": escaped}


def test_control_lms_zip_file_name_picks_the_student(tmp_path):
    course = stock_course(tmp_path / "course")
    archive = course / "downloaded" / UNIT / "archive"
    archive.mkdir(parents=True)
    lms_zip(archive / "download.zip")
    done = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "zip_collect", UNIT, "--force"],
                          cwd=course, env=nbgrader_env(), capture_output=True, text=True)
    assert "Using file collector: FileNameCollectorPlugin" in done.stderr, done.stderr[-3000:]
    outcome = zip_outcome(course)
    assert outcome["victim_replaced"] or outcome["escaped"], (outcome, done.stderr[-3000:])


def test_defended_lms_zip_takes_ids_from_the_lms_field(tmp_path):
    from autograder.batch import import_zip
    course = new_course(tmp_path / "course")
    try:
        import_zip(course, UNIT, lms_zip(tmp_path / "download.zip"), progress=lambda line: None)
    except Exception as error:  # noqa: BLE001 (refusing the download is a defence too)
        print(f"import_zip refused the download: {error}")
    outcome = zip_outcome(course)
    assert outcome == {"victim_replaced": False, "escaped": []}, outcome


# ---- defended: the batch of `autograder grade`, as the current user and as an ordinary uid -------

def ordinary_uid_unavailable():
    """Why the batch cannot run as an ordinary uid here, or None."""
    if os.geteuid() != 0:
        return "the tests do not run as root, so they cannot switch to another uid (the current-user run covers it)"
    if not shutil.which("setpriv"):
        return "setpriv (util-linux) is not installed"
    probe = subprocess.run(["setpriv", f"--reuid={ORDINARY_UID}", f"--regid={ORDINARY_UID}", "--clear-groups",
                            shutil.which("bwrap") or "bwrap", "--unshare-all", "--ro-bind", "/", "/", "true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return f"bubblewrap cannot make a sandbox as an ordinary user here: {probe.stderr.strip()[:200]}"
    return None


def run_batch(course, root, mode, timeout):
    """grade_corpus.py on `course` in its own session (killed whole if it outlives `timeout`)."""
    env = {**nbgrader_env(), "PYTHONPATH": str(COURSE_ROOT)}
    command = [sys.executable, str(Path(__file__).parent / "attacks" / "grade_corpus.py"), str(course),
               str(root / "result.json"), UNIT, ",".join(s for s in FEEDBACK_FOR if (course / "submitted" / s).is_dir()),
               str(LIMITS["memory_mb"])]
    if mode == "uid-4242":
        (root / "home").mkdir()
        subprocess.run(["chown", "-R", f"{ORDINARY_UID}:{ORDINARY_UID}", str(root)], check=True)
        env["HOME"] = str(root / "home")
        # Python lives under /root (pyenv on CI), closed to other users: reach it through a private mount.
        command = with_python_reachable(["setpriv", f"--reuid={ORDINARY_UID}", f"--regid={ORDINARY_UID}",
                                         "--clear-groups"] + command)
    process = subprocess.Popen(command, cwd=course, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        _, stderr = process.communicate(timeout=timeout)
        finished = {"returncode": process.returncode, "stderr": stderr[-4000:]}
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the batch's workers too: one may be stuck for good
        process.communicate()
        finished = {"returncode": None, "stderr": f"the batch did not finish within {timeout} s"}
    output = json.loads((root / "result.json").read_text()) if (root / "result.json").exists() else {}
    return finished, output


def defended_run(mode, names):
    root = Path(tempfile.mkdtemp(prefix=f"attack-corpus-{mode}-"))  # under /tmp: reachable by another uid
    root.chmod(0o755)
    course = new_course(root / "course")
    submitted = course / "submitted"
    for name in names:
        write_attack(submitted / student(name) / UNIT, CORPUS[name], tokens(course))
    write(submitted / "solution" / UNIT, solution())
    write(submitted / "untouched-release" / UNIT, release())
    write(submitted / NEWLINE_STUDENT / UNIT, solution())
    write(submitted / "special-newline-file" / UNIT, solution())
    (submitted / "special-newline-file" / UNIT / NEWLINE_FILE).write_text("my notes\n")
    before = {"source": tree_digest(course / "source"), "release": tree_digest(course / "release"),
              "config": (course / "nbgrader_config.py").read_text(),
              "submitted": {s.name: tree_digest(s) for s in submitted.iterdir()}}
    started = time.monotonic()
    finished, output = run_batch(course, root, mode, timeout=900)
    seconds = time.monotonic() - started
    after = {"source": tree_digest(course / "source"), "release": tree_digest(course / "release"),
             "config": (course / "nbgrader_config.py").read_text(),
             "submitted": {s.name: tree_digest(s) for s in submitted.iterdir()}}
    markers = sorted(p.name for p in (COURSE_ROOT / "rnncourse").glob("_attack_marker_*"))
    for path in (COURSE_ROOT / "rnncourse").glob("_attack_marker_*"):
        path.unlink()  # never leave the attack's file in the repository
    try:
        measured = measure(course, names)
    except Exception as error:  # noqa: BLE001 (a gradebook the attacks broke: the tests say so)
        measured = {"error": f"{type(error).__name__}: {error}"}
    big_files_cleanup(course)
    owner = (course / "autograded").stat().st_uid if (course / "autograded").is_dir() else None
    return {"mode": mode, "course": str(course), "names": names, "finished": finished, "seconds": seconds,
            "autograded_owner": owner,
            "output": output, "before": before, "after": after, "markers": markers, **measured}


MODES = ("current-user", "uid-4242")


@pytest.fixture(scope="module", params=MODES)
def defended(request, tmp_path_factory):
    mode = request.param
    if mode == "uid-4242" and (reason := ordinary_uid_unavailable()):
        pytest.skip(reason)
    # As the current user, only the new attacks (tests/test_batch_grading.py grades the others);
    # as an ordinary uid, the attacks whose outcome depends on the uid.
    names = sorted(NEW_ATTACKS) if mode == "current-user" else sorted(UID_DEPENDENT)
    data = once(tmp_path_factory, f"attack-corpus-{mode}", lambda folder: defended_run(mode, names))
    data["results"] = {r["student"]: SubmissionResult(**r) for r in data["output"].get("results", [])}
    print(f"{mode}: batch of {len(data['results'])} submission(s) in {data['seconds']:.0f} s")
    print(data["output"].get("report", ""))
    return data


def graded_here(defended, name):
    """Skip a test about attack `name` in a run that does not grade it (see UID_DEPENDENT)."""
    if name not in defended["names"]:
        where = ("tests/test_batch_grading.py" if defended["mode"] == "current-user" else
                 "the current-user run or tests/test_batch_grading.py: its outcome does not depend on the uid")
        pytest.skip(f"{name} is graded as the current user by {where}")


def test_defended_batch_finished(defended):
    assert defended["finished"]["returncode"] == 0, defended["finished"]
    expected = {student(n) for n in defended["names"]} | set(GOOD) | {"special-newline-file", NEWLINE_STUDENT}
    assert set(defended["results"]) == expected
    # Who really graded: nbgrader's output belongs to the grader's uid.
    assert defended["autograded_owner"] == (ORDINARY_UID if defended["mode"] == "uid-4242" else os.geteuid())


def test_defended_a_folder_name_with_a_line_break_gets_a_status(defended):
    """nbgrader cannot grade a student id with a line break: the batch says so instead of quoting nbgrader's error."""
    result = defended["results"][NEWLINE_STUDENT]
    assert result.score == 0 and result.max_score == MAX_SCORE, result
    assert result.status.startswith("error: not graded: the folder name is not usable"), result.status
    assert "line break" in result.status and FORGED not in result.status, result.status


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_defended_attack_earns_nothing_and_is_flagged(defended, name):
    graded_here(defended, name)
    attack, result = CORPUS[name], defended["results"].get(student(name))
    assert result is not None, f"{name}: no result (the batch did not finish?)"
    assert result.score == attack.earns, f"{name} ({attack.what}) earned {result.score}: {result}"
    assert result.max_score == MAX_SCORE, result
    for word in attack.flags:
        assert any(word in flag for flag in result.flags), f"{name}: no flag mentions {word!r}: {result.flags}"


def test_defended_everyone_else_is_graded_right(defended):
    got = {s: defended["results"][s].score if s in defended["results"] else None for s in GOOD}
    assert got == GOOD
    assert defended["results"]["special-newline-file"].score == FULL
    scores = defended.get("scores", {})
    assert {s: scores.get(s) for s in GOOD} == GOOD, "the gradebook disagrees"


def test_defended_nothing_outside_its_own_output_changed(defended):
    before, after = defended["before"], defended["after"]
    changed = [what for what in ("source", "release", "config") if before[what] != after[what]]
    changed += [f"submitted/{s}" for s in before["submitted"] if before["submitted"][s] != after["submitted"].get(s)]
    assert changed == []
    assert not defended.get("victim_overwritten") and not defended.get("source_overwritten")
    assert not defended.get("decoy_written"), "a file was written at the start-up file's path"


def test_defended_no_link_reaches_nbgrader(defended):
    links = {n: seen["links_in_autograded"] for n, seen in defended["attacks"].items() if seen["links_in_autograded"]}
    assert links == {}
    assert defended["feedback_leaks"] == {}, defended["output"].get("feedback_error")


def test_defended_remount_leaves_no_file_in_rnncourse(defended):
    graded_here(defended, "remounts_rnncourse")
    assert defended["markers"] == [], "the attack created a file in the repository's rnncourse (deleted now)"


def test_defended_memory_files_count_against_the_limit(defended):
    graded_here(defended, "memfd_hoard")
    result = defended["results"][student("memfd_hoard")]
    assert any("memory limit" in problem for problem in result.problems), result


def test_defended_many_files_stay_in_the_scratch_folder(defended):
    graded_here(defended, "many_files")
    seen = defended["attacks"]["many_files"]
    assert seen["bin_mb"] == 0, seen
    written = (seen["evidence"] or {}).get("written_mb", 0)
    assert written < LIMITS["memory_mb"], f"{written} MB written in the sandbox's folder"


@pytest.mark.parametrize("name", FLOODS)
def test_defended_floods_stay_within_the_output_budget(defended, name):
    graded_here(defended, name)
    size = defended["attacks"][name]["notebook_bytes"]
    assert size is not None and size < 3_000_000, defended["attacks"][name]


def test_defended_shadowed_launcher_does_not_run(defended):
    graded_here(defended, "shadows_kernel_launcher")
    assert defended["attacks"]["shadows_kernel_launcher"]["evidence"] == {"launcher_ran": False}


def test_defended_outputs_after_the_tests_are_not_shown(defended):
    graded_here(defended, "records_hidden_inputs")
    seen = defended["attacks"]["records_hidden_inputs"]
    # The attack did record the hidden inputs (the instructor's autograded copy keeps every output), so
    # their absence from the student's feedback is the feedback's doing (autograder/feedback.py).
    assert all(shape in (seen["last_cell_output"] or "") for shape in HIDDEN_ONLY_SHAPES), seen
    assert seen["feedback_hidden_shapes"] == [], (seen, defended["output"].get("feedback_error"))


def fifo_run(folder):
    """A batch of one good student and a FIFO for a notebook, apart: today the FIFO stalls its batch for good."""
    root = Path(tempfile.mkdtemp(prefix="attack-corpus-fifo-"))
    course = new_course(root / "course")
    (course / "submitted" / "special-fifo" / UNIT).mkdir(parents=True)
    os.mkfifo(course / "submitted" / "special-fifo" / UNIT / f"{UNIT}.ipynb")
    finished, output = run_batch(course, root, "current-user", timeout=240)
    return {"finished": finished, "results": output.get("results", [])}


@pytest.fixture(scope="module")
def fifo_batch(tmp_path_factory):
    data = once(tmp_path_factory, "attack-corpus-fifo", fifo_run)
    data["results"] = {r["student"]: SubmissionResult(**r) for r in data["results"]}
    return data


def test_defended_fifo_gets_a_status_and_the_batch_finishes(fifo_batch):
    assert fifo_batch["finished"]["returncode"] == 0, fifo_batch["finished"]
    assert fifo_batch["results"][VICTIM].score == FULL
    result = fifo_batch["results"]["special-fifo"]
    assert result.score == 0 and result.status.startswith(("zero", "error")), result
    assert "regular file" in result.status or "FIFO" in result.status, result.status


def test_defended_report_names_cannot_forge_lines(defended):
    lines = defended["output"]["report"].splitlines() + defended["output"]["log"]
    assert not [line for line in lines if line.startswith(FORGED)]
