"""What `make hub` adds to JupyterHub for this course: the roster, the accounts, and a spawner with a memory limit.

JupyterHub's LocalProcessSpawner runs each person's JupyterLab as their own Unix account. It has no memory limit of
its own (`mem_limit` is only advertised to the server), and systemd, which SystemdSpawner would use, is absent in
containers; so CourseSpawner puts each server into a memory cgroup of the course's grader (autograder/cgroups.py),
where the kernel charges every page the server and its kernels use and stops them at the limit.
"""
import csv
import os
import pwd
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Integer, Unicode

from autograder.cgroups import MemoryCgroup

HUB_DIR = Path(__file__).resolve().parent
COURSE_ROOT = HUB_DIR.parent

ROLES = ("student", "instructor", "grader")
# A Unix account name that is also a safe nbgrader student id and JupyterHub user name.
NAME = re.compile(r"[a-z_][a-z0-9_-]{0,30}")


class RosterError(ValueError):
    pass


@dataclass(frozen=True)
class Person:
    username: str
    role: str
    full_name: str


def read_roster(path):
    """The people of a roster CSV (header: username,role,full_name), checked line by line."""
    people, problems = [], []
    with open(path, newline="") as handle:
        rows = csv.DictReader(handle)
        missing = {"username", "role", "full_name"} - set(rows.fieldnames or [])
        if missing:
            raise RosterError(f"{path}: the header must name username,role,full_name (missing {sorted(missing)})")
        for line, row in enumerate(rows, start=2):
            username, role = (row["username"] or "").strip(), (row["role"] or "").strip().lower()
            if not NAME.fullmatch(username):
                problems.append(f"line {line}: {username!r} is not a valid account name (a-z, 0-9, _ and -)")
            elif role not in ROLES:
                problems.append(f"line {line}: role {role!r} of {username} is not one of {', '.join(ROLES)}")
            elif username in {p.username for p in people}:
                problems.append(f"line {line}: {username} is listed twice")
            else:
                people.append(Person(username, role, (row["full_name"] or "").strip()))
    if problems:
        raise RosterError(f"{path}:\n" + "\n".join(problems))
    return people


def ensure_account(person):
    """Create the person's Unix account if it is missing; close their home to other accounts either way.

    Debian's useradd makes homes world-readable (no HOME_MODE in login.defs), which would let a student read
    another's notebooks. Returns True when the account was created.
    """
    created = False
    try:
        entry = pwd.getpwnam(person.username)
    except KeyError:
        comment = re.sub(r"[:\n]", " ", person.full_name)
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", "--comment", comment, person.username],
                       check=True)
        entry, created = pwd.getpwnam(person.username), True
    home = Path(entry.pw_dir)
    if home.is_dir() and home != Path("/"):
        home.chmod(0o700)
    return created


def user_config_path(role):
    """JUPYTER_CONFIG_PATH of a server: the role's extension settings first, then what every account shares."""
    return os.pathsep.join(str(HUB_DIR / "user-config" / name) for name in (role, "common"))


class CourseSpawner(LocalProcessSpawner):
    """LocalProcessSpawner with the course's JupyterLab settings for the person's role and a memory cgroup."""

    memory_mb = Integer(2048, config=True, help="Memory limit of one person's server and its kernels, in MB")
    instructor_group = Unicode(config=True, help="JupyterHub group whose members get the instructors' settings")

    _cgroup = None

    def role(self):
        return "instructor" if self.instructor_group in {g.name for g in self.user.groups} else "student"

    def get_env(self):
        env = super().get_env()
        env["JUPYTER_CONFIG_PATH"] = user_config_path(self.role())
        return env

    def make_preexec_fn(self, name):
        become_user = super().make_preexec_fn(name)
        cgroup = self._cgroup = MemoryCgroup.create(self.memory_mb)
        if cgroup is None:
            self.log.warning("No memory cgroup for %s's server (needs root and a cgroup memory controller): "
                             "its memory is not limited", name)
            return become_user
        self.log.info("%s's server runs in %s, limited to %d MB", name, cgroup.folder, self.memory_mb)
        procs = cgroup.procs

        def preexec():
            # Still root here: join the cgroup, then become the user (JupyterHub's own setuid step).
            fd = os.open(procs, os.O_WRONLY)
            try:
                os.write(fd, str(os.getpid()).encode())
            finally:
                os.close(fd)
            become_user()

        return preexec

    async def stop(self, now=False):
        await super().stop(now=now)
        if self._cgroup is not None:
            self._cgroup.remove(seconds=10.0)
            self._cgroup = None
