"""A class on `make hub`, in a real browser, with real accounts: unit 02's whole life, and what must not happen.

hub/start.py starts JupyterHub for a roster of one instructor and three students (Unix accounts made here with
useradd, logging in through PAM). The instructor generates and releases unit 02 in the formgrader; each student
logs in, fetches it from the Assignments tab, works on it (ada pastes the reference solution, ben makes the
mistakes of tests/test_workflow.py and leaves two answers out, cy submits it untouched) and submits it there. The
instructor collects and grades with `autograder grade` (the command line, as in the formgrader's terminal), grades
ada's free-text answer in the formgrader, and releases feedback; each student fetches it and sees their own scores.
Along the way: a student cannot open another student's server or files, the course's source/ or gradebook, the
exchange's submissions, or the formgrader (page or API).

Accounts, the hub, its servers and its files are removed afterwards. Needs root (accounts, PAM, setuid); CI is root.
"""
import json
import os
import pwd
import re
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
import psutil
import pytest
from nbgrader.api import Gradebook

from autograder.course import COURSE_ROOT, make_scratch_course
from course_lab import free_port, stop_process_group
from hub.start import closed_folders, python_paths
from test_workflow import BOB, BOB_MISTAKES, BOB_UNTOUCHED, MANUAL, MAX_AUTO, POINTS, cell_sections, fill_in

pytestmark = [pytest.mark.browser, pytest.mark.sandbox, pytest.mark.slow, pytest.mark.xdist_group("hub")]
if os.geteuid() != 0:
    pytest.skip("the class hub needs root: it creates Unix accounts and JupyterHub starts servers as them",
                allow_module_level=True)

UNIT = "02_hidden_state"
COURSE_ID = "rnn-course"
BIN = Path(sys.executable).parent
HUB = COURSE_ROOT / "hub"
SCORES = {"ada": POINTS, "ben": BOB, "cy": dict.fromkeys(POINTS, 0)}  # each student's score of each test cell
SPAWN_MS = 240_000


class ClassHub:
    """`hub/start.py` on a scratch course and exchange, with a roster of accounts made for this test."""

    def __init__(self, base):
        self.base = base
        tag = secrets.token_hex(2)
        self.names = {role: f"rnnt{tag}{role}" for role in ("teacher", "ada", "ben", "cy")}
        self.passwords = {name: secrets.token_urlsafe(12) for name in self.names.values()}
        self.course, self.exchange, self.state = base / "course", base / "exchange", base / "state"
        self.port = free_port()
        self.process = None
        self.log = base / "hub.log"

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self):
        self.course.mkdir()
        make_scratch_course(self.course, [UNIT])
        shutil.copytree(COURSE_ROOT / "release" / UNIT, self.course / "release" / UNIT)
        roster = self.base / "roster.csv"
        roster.write_text("username,role,full_name\n" + "".join(
            f"{name},{'instructor' if role == 'teacher' else 'student'},{role.title()} Test\n"
            for role, name in self.names.items()))
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hub.start", "--roster", roster, "--course", self.course, "--exchange",
                 self.exchange, "--state", self.state, "--port", str(self.port)],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=COURSE_ROOT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the hub stopped:\n{self.log.read_text()[-5000:]}"
            try:
                with urllib.request.urlopen(self.url("/hub/api/"), timeout=5):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError(f"the hub did not answer in 120 s:\n{self.log.read_text()[-5000:]}")
        subprocess.run(["chpasswd"], input="".join(f"{n}:{p}\n" for n, p in self.passwords.items()), text=True,
                       check=True)

    def uids(self):
        uids = {}
        for name in self.names.values():
            try:
                uids[name] = pwd.getpwnam(name).pw_uid
            except KeyError:
                pass
        return uids

    def stop(self):
        """Stop the hub (it stops every server, its services and its proxy), then remove what is left."""
        stop_process_group(self.process, timeout=60)
        uids = set(self.uids().values())
        for process in psutil.process_iter(["uids"]):  # servers or kernels of the test's accounts, if any lived on
            if process.info["uids"] and process.info["uids"].real in uids:
                process.kill()
        for name in self.uids():
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)
        if self.process is not None:  # the servers' memory cgroups, were the hub killed before removing them
            for folder in Path("/sys/fs/cgroup").glob(f"**/rnn-sandbox-{self.process.pid}-*"):
                try:
                    folder.rmdir()
                except OSError:
                    pass  # still holds a process: left_behind() reports it

    def left_behind(self):
        """Accounts, processes, memory cgroups and files of this test that still exist."""
        uids = set(self.uids().values())
        processes = [p.pid for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real in uids]
        hub = [] if self.process is None or self.process.poll() is not None else [self.process.pid]
        cgroups = list(Path("/sys/fs/cgroup").glob(f"**/rnn-sandbox-{self.process.pid}-*")) if self.process else []
        return {"accounts": sorted(self.uids()), "processes": processes + hub, "cgroups": cgroups,
                "files": [self.base] if self.base.exists() else []}

    def as_instructor(self, *command):
        """A command in the course directory with the formgrader service's settings (its terminal's)."""
        env = {**os.environ, "JUPYTER_CONFIG_PATH": f"{HUB}/user-config/formgrader:{HUB}/user-config/common",
               "NBGRADER_EXCHANGE": str(self.exchange), "NBGRADER_COURSE_ID": COURSE_ID,
               "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
        result = subprocess.run([str(BIN / command[0]), *command[1:]], cwd=self.course, env=env,
                                capture_output=True, text=True)
        assert result.returncode == 0, f"`{' '.join(command)}` failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def as_account(self, role, *command):
        """A command run as a test account (what that person's kernel or terminal may do)."""
        return subprocess.run(["runuser", "-u", self.names[role], "--", *command], capture_output=True, text=True,
                              errors="replace")


@pytest.fixture(scope="module")
def hub():
    base = Path(tempfile.mkdtemp(prefix="rnn-hub-"))
    base.chmod(0o755)  # the exchange inside must be reachable by every account; the course is closed by start.py
    # Every server runs the course's Python: where it sits under a closed folder (pyenv under /root, as in CI),
    # open those folders to other accounts for the test (`make hub` stops and says so), and close them again after.
    closed = {folder: folder.stat().st_mode for folder in closed_folders(python_paths())}
    for folder, mode in closed.items():
        folder.chmod(mode | stat.S_IXOTH)
    hub = ClassHub(base)
    try:
        hub.start()
        yield hub
    finally:
        hub.stop()
        for folder, mode in closed.items():
            folder.chmod(stat.S_IMODE(mode))
        left = hub.left_behind()
        assert not any(left.values()), f"left behind: {left}"


class Person:
    """One person's browser session on the hub."""

    def __init__(self, chromium, hub, role):
        self.hub, self.role, self.name = hub, role, hub.names[role]
        self.context = chromium.new_context(viewport={"width": 1400, "height": 900})
        self.page = self.context.new_page()

    def log_in(self, lab=True):
        page = self.page
        page.goto(self.hub.url("/hub/login"))
        page.fill("#username_input", self.name)
        page.fill("#password_input", self.hub.passwords[self.name])
        page.click("#login_submit")
        if lab:  # the hub starts the person's JupyterLab and sends them there
            page.wait_for_url(f"**/user/{self.name}/lab**", timeout=SPAWN_MS)
            page.locator("#jp-MainMenu").wait_for(timeout=SPAWN_MS)
        else:
            page.wait_for_url("**/hub/**", timeout=60_000)
        return self

    def xsrf(self, path):
        return next(c["value"] for c in self.context.cookies(self.hub.url(path)) if c["name"] == "_xsrf")

    def api(self, path, method="GET", data=None, missing_ok=False):
        """A call to this person's server's REST API with the browser's login, as JupyterLab makes it."""
        url = self.hub.url(f"/user/{self.name}/api/{path}")
        headers = {"X-XSRFToken": self.xsrf(f"/user/{self.name}/")}
        response = self.page.request.fetch(url, method=method, headers=headers,
                                           data=json.dumps(data) if data is not None else None)
        if missing_ok and response.status == 404:
            return None
        assert response.ok, f"{method} {path}: {response.status} {response.text()[:300]}"
        return response.json() if response.text() else None

    def assignments_tab(self):
        """Nbgrader > Assignment List, as a student clicks it."""
        page = self.page
        if f"/user/{self.name}/lab" not in page.url:
            page.goto(self.hub.url(f"/user/{self.name}/lab"))
            page.locator("#jp-MainMenu").wait_for(timeout=SPAWN_MS)
        page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Nbgrader").click()
        page.locator(".lm-Menu-item", has_text="Assignment List").click()
        return page.locator("#nbgrader-assignment-list")

    def click_in_assignments(self, list_id, button, done_list_id):
        """Click `button` on unit 02's row of one list of the Assignments tab; wait for it in `done_list_id`."""
        tab = self.assignments_tab()
        tab.locator(f"#{list_id} .list_item", has_text=UNIT).locator("button", has_text=button).first.click(
            timeout=60_000)
        tab.locator(f"#{done_list_id} .list_item", has_text=UNIT).first.wait_for(timeout=120_000)

    def close(self):
        self.context.close()


def formgrader_button(page, column):
    """Click unit 02's button in a column of the formgrader's Manage Assignments table; it must report success."""
    page.locator("tr", has_text=UNIT).first.locator(f".{column} a").click(timeout=120_000)
    modal = page.locator("#success-modal, #error-modal").first
    modal.wait_for(timeout=180_000)
    assert modal.get_attribute("id") == "success-modal", modal.inner_text()
    modal.locator("button", has_text="OK").click()
    modal.wait_for(state="detached", timeout=30_000)


def nbgrader_menu(page):
    """The items of JupyterLab's Nbgrader menu, as a person opens it."""
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    menu = page.locator(".lm-Menu").last
    menu.locator(".lm-Menu-item").first.wait_for(timeout=30_000)
    items = {item.strip() for item in menu.locator(".lm-Menu-itemLabel").all_inner_texts()}
    page.keyboard.press("Escape")
    return items


def services_menu(page):
    """The links of the Services menu on the hub's home page (JupyterHub lists the services one may open)."""
    origin = re.match(r"https?://[^/]+", page.url).group(0)
    page.goto(origin + "/hub/home")
    hrefs = [link.get_attribute("href") for link in page.locator("a.dropdown-item[href*='/services/']").all()]
    return [origin + href if href.startswith("/") else href for href in hrefs]


def server_process(username):
    uid = pwd.getpwnam(username).pw_uid
    for process in psutil.process_iter(["uids", "cmdline"]):
        if process.info["uids"] and process.info["uids"].real == uid and any(
                "jupyterhub-singleuser" in part for part in process.info["cmdline"] or []):
            return process
    raise AssertionError(f"no server of {username} is running")


def server_memory_limit(username):
    """The memory limit of the cgroup the person's server runs in (cgroup v1 or v2), in bytes."""
    for line in Path(f"/proc/{server_process(username).pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            return int(Path(f"/sys/fs/cgroup/memory{path}/memory.limit_in_bytes").read_text())
        if controllers == "" and Path(f"/sys/fs/cgroup{path}/memory.max").exists():
            return int(Path(f"/sys/fs/cgroup{path}/memory.max").read_text())
    raise AssertionError(f"{username}'s server is in no memory cgroup")


def server_token(username):
    """JUPYTERHUB_API_TOKEN of the person's JupyterLab, which their code can read from its environment."""
    return server_process(username).environ()["JUPYTERHUB_API_TOKEN"]


def fetch_status(person, url, headers=None):
    response = person.page.request.get(url, headers=headers or {}, max_redirects=10)
    return response.status, response.text()


def test_a_class_on_the_hub(hub, chromium, tmp_path):
    names = hub.names
    teacher = Person(chromium, hub, "teacher").log_in()
    # The instructor's Nbgrader menu lists the course (the formgrader service) but grades nowhere else.
    menu = nbgrader_menu(teacher.page)
    assert menu >= {"Assignment List", "Course List"} and not menu & {"Formgrader", "Create assignment"}, menu

    # The instructor opens the formgrader (a hub service only staff may reach) from the hub's Services menu,
    # generates unit 02 and releases it.
    formgrader = hub.url(f"/services/{COURSE_ID}/formgrader")
    page = teacher.page
    assert services_menu(page) == [hub.url(f"/services/{COURSE_ID}/")]
    page.goto(f"{formgrader}/manage_assignments")
    formgrader_button(page, "assign")  # "Generate"
    formgrader_button(page, "release")
    assert (hub.exchange / COURSE_ID / "outbound" / UNIT / f"{UNIT}.ipynb").exists()

    # Each student logs in, fetches unit 02 from the Assignments tab, works, and submits it there.
    students = {role: Person(chromium, hub, role).log_in() for role in ("ada", "ben", "cy")}
    for role, student in students.items():
        # Their server runs in a memory cgroup of the course's size, and their Nbgrader menu has the Assignments
        # tab but none of the course-management panels.
        assert server_memory_limit(student.name) == 2048 * 2**20, role
        menu = nbgrader_menu(student.page)
        assert "Assignment List" in menu and not menu & {"Formgrader", "Course List", "Create assignment"}, role
        assert services_menu(student.page) == [], role  # the hub lists no service they may open
        student.click_in_assignments("released_assignments_list", "Fetch", "fetched_assignments_list")
        path = f"contents/{UNIT}/{UNIT}.ipynb"
        model = student.api(path + "?content=1")
        scratch = tmp_path / f"{role}.ipynb"
        nbformat.write(nbformat.from_dict(model["content"]), scratch)
        if role == "ada":
            fill_in(scratch)
        elif role == "ben":
            fill_in(scratch, BOB_MISTAKES, BOB_UNTOUCHED)
        student.api(path, "PUT", {"type": "notebook", "format": "json", "content": json.loads(scratch.read_text())})
        student.click_in_assignments("fetched_assignments_list", "Submit", "submitted_assignments_list")

    # What a student must not reach: another student's server and files, the course's solutions and gradebook,
    # others' submissions in the exchange, and the formgrader's pages and API.
    ada = students["ada"]
    status, text = fetch_status(ada, hub.url(f"/user/{names['ben']}/api/contents/{UNIT}"))
    assert status == 403 and UNIT not in text, (status, text[:300])
    for path in (Path("/home") / names["ben"] / UNIT / f"{UNIT}.ipynb",
                 hub.course / "source" / UNIT / f"{UNIT}.ipynb", hub.course / "gradebook.db"):
        result = hub.as_account("ada", "cat", str(path))
        assert result.returncode != 0 and "Permission denied" in result.stderr, (path, result)
    inbound = hub.exchange / COURSE_ID / "inbound"
    result = hub.as_account("ada", "ls", str(inbound))
    assert result.returncode != 0 and names["ben"] not in result.stdout, result
    status, text = fetch_status(ada, formgrader)
    assert status == 403 and "Manage Assignments" not in text, (status, text[:300])
    status, text = fetch_status(ada, f"{formgrader}/api/assignments")
    assert status == 403 and UNIT not in text, (status, text[:300])
    # The API token in the environment of ada's server (her kernels inherit it) does not open it either.
    token = server_token(names["ada"])
    status, text = fetch_status(ada, f"{formgrader}/api/assignments", {"Authorization": f"token {token}"})
    assert status == 403 and UNIT not in text, (status, text[:300])

    # The instructor collects and grades (the command line: the formgrader's terminal).
    hub.as_instructor("nbgrader", "collect", UNIT)
    assert sorted(p.name for p in (hub.course / "submitted").iterdir()) == sorted(
        names[role] for role in students)
    report = hub.as_instructor("autograder", "grade", UNIT)
    for role, scores in SCORES.items():  # one line per student: name, then score / maximum
        assert re.search(rf"^{names[role]} +{sum(scores.values())}/{MAX_AUTO + MANUAL}\b", report, re.M), report

    # ... grades ada's free-text answer in the formgrader, as a person types the score in.
    with Gradebook(f"sqlite:///{hub.course / 'gradebook.db'}") as gradebook:
        ada_notebook = gradebook.find_submission_notebook(UNIT, UNIT, names["ada"]).id
    page.goto(f"{formgrader}/submissions/{ada_notebook}/")
    # The page is ready to take a score once its script has loaded the grades (the formgrader's own flags).
    page.wait_for_function("() => window.formgrader && formgrader.grades && formgrader.grades.loaded",
                           timeout=60_000)
    score = page.locator("input.score#parameter_sharing_answer")
    score.fill(str(MANUAL))
    score.press("Tab")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with Gradebook(f"sqlite:///{hub.course / 'gradebook.db'}") as gradebook:
            grade = gradebook.find_grade("parameter_sharing_answer", UNIT, UNIT, names["ada"]).manual_score
        if grade == MANUAL:
            break
        time.sleep(0.5)
    assert grade == MANUAL, f"the formgrader did not save ada's score: {grade}"

    # ... and generates and releases feedback there.
    page.goto(f"{formgrader}/manage_assignments")
    formgrader_button(page, "generate-feedback")
    formgrader_button(page, "release-feedback")

    # Each student fetches their feedback in the Assignments tab and reads their own scores in it.
    for role, student in students.items():
        tab = student.assignments_tab()
        tab.locator("#submitted_assignments_list button", has_text="Fetch Feedback").first.click(timeout=60_000)
        folder = None
        deadline = time.monotonic() + 60
        while folder is None and time.monotonic() < deadline:
            listing = student.api(f"contents/{UNIT}/feedback", missing_ok=True)
            if listing:
                folder = next((item["path"] for item in listing["content"] if item["type"] == "directory"), None)
            time.sleep(0.5)
        assert folder, f"{role}'s feedback did not arrive"
        student.page.goto(hub.url(f"/user/{student.name}/files/{folder}/{UNIT}.html"))
        text = student.page.locator("body").inner_text()
        sections = cell_sections(text)
        for grade_id, points in POINTS.items():
            assert f"Score: {float(SCORES[role][grade_id])} / {float(points)}" in sections[grade_id], (role, grade_id)
        total = sum(SCORES[role].values()) + (MANUAL if role == "ada" else 0)
        assert f"{float(total)} / {float(MAX_AUTO + MANUAL)}" in text, (role, text[:500])
    # ... and only their own: ada cannot open ben's feedback folder.
    status, _ = fetch_status(ada, hub.url(f"/user/{names['ben']}/files/{UNIT}/feedback"))
    assert status == 403

    for person in (teacher, *students.values()):
        person.close()
