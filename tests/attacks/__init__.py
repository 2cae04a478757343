"""Attacks on the grader: wrong solutions of unit 02 plus code that tries to win points anyway.

Each attack is graded as one student's submission by `autograder grade` (tests/test_batch_grading.py)
and must earn zero autograded points. Its solution cells are wrong (the release's stubs unless the
attack replaces them), so any point it earns was won by the attack, not by the code. `flags` are
words the grader's reasons for manual review must contain; `refused` attacks break nbgrader's own
metadata checks, so nbgrader refuses the notebook (status "error: nbgrader could not grade ...").

Tokens in the code, filled in by the test: __COURSE__ (the scratch course the batch grades),
__REPO__ (this repository), __PORT__ (a TCP server on 127.0.0.1 that counts connections).
Attacks that probe the sandbox write what they saw to `evidence.json` in their working folder.
"""
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
    for name in ("check_close", "check_shape", "check_pair", "check_equal", "check_type", "check_finite", "call"):
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
                return (os.environ.get("NBGRADER_EXECUTION") is not None or "_grading_agent" in sys.modules
                        or "_grading_agent" in names)
            if under_grader():
                import rnncourse.checks
                for name in ("check_close", "check_shape", "check_pair", "check_equal", "check_type", "check_finite"):
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
            evidence["visible"] = sorted(glob.glob("__COURSE__/**", recursive=True))
            evidence["visible_repo"] = sorted(glob.glob("__REPO__/*"))
            with open("evidence.json", "w") as f:
                json.dump(evidence, f)
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
            with open("evidence.json", "w") as f:
                json.dump(evidence, f)
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
            with open("evidence.json", "w") as f:
                json.dump(evidence, f)
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
        flags=("removed their nbgrader metadata",)),
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
