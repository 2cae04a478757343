"""`make hub`: start JupyterHub for a class of this course on this machine.

    .venv/bin/python -m hub.start [--roster hub/roster.csv] [--port 8000] [--ip 127.0.0.1] ...

Runs as root (it creates the roster's accounts, and JupyterHub starts each person's server as their account).
Before the hub starts it makes sure of: the roster's Unix accounts (created with useradd when missing, homes closed
to other accounts; set passwords with `passwd NAME`), the nbgrader exchange (a folder every account may write to,
sticky, as nbgrader's docs set it up), the course directory closed to other accounts (`make private`), and the
secrets (the cookie secret, which JupyterHub writes, and the proxy's token) in the state folder, mode 0700.
Then it replaces itself with `jupyterhub -f hub/jupyterhub_config.py`: stop the class with Ctrl-C (or SIGTERM).
"""
import argparse
import json
import os
import pwd
import secrets
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

from traitlets.config.loader import PyFileConfigLoader

from hub.course_hub import COURSE_ROOT, HUB_DIR, RosterError, ensure_account, read_roster

NODE_PATH = "/usr/share/nodejs"  # where Debian's node-configurable-http-proxy keeps its node modules


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_folders(paths):
    """Folders above (and including) `paths` that other accounts cannot enter (no o+x)."""
    closed = []
    for path in paths:
        for folder in [*reversed(Path(path).resolve().parents), Path(path).resolve()]:
            if folder.is_dir() and not folder.stat().st_mode & stat.S_IXOTH and folder not in closed:
                closed.append(folder)
    return closed


def python_paths():
    """What every person's server runs: the course's venv, the Python it was made from, and the hub's settings."""
    return [sys.prefix, sys.base_prefix, Path(sys.executable).resolve().parent, HUB_DIR / "user-config"]


def course_id(course):
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    return config.CourseDirectory.course_id


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="make hub", description=__doc__.split("\n\n")[0])
    parser.add_argument("--roster", type=Path, default=HUB_DIR / "roster.csv",
                        help="CSV of username,role,full_name; role is student, instructor or grader "
                             "(default hub/roster.csv; hub/roster.example.csv shows the format)")
    parser.add_argument("--course", type=Path, default=COURSE_ROOT, help="the course directory (default: this one)")
    parser.add_argument("--exchange", type=Path, default=Path("/srv/nbgrader/exchange"),
                        help="nbgrader's exchange folder (default /srv/nbgrader/exchange)")
    parser.add_argument("--state", type=Path, default=COURSE_ROOT / ".hub",
                        help="the hub's database, secrets and logs (default .hub/, ignored by git)")
    parser.add_argument("--ip", default="127.0.0.1",
                        help="address the hub listens on (default 127.0.0.1; a class on a network needs TLS in "
                             "front of it: docs/deploy.md)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--memory-mb", type=int, default=2048, help="memory of one person's server (default 2048)")
    parser.add_argument("--idle-timeout", type=int, default=3600,
                        help="seconds after which an idle server is stopped (default 3600)")
    parser.add_argument("--service-user", help="account the course's formgrader runs as (default: the owner of "
                                               "the course directory)")
    return parser.parse_args(argv)


def prepare(args):
    """Everything before JupyterHub starts; returns the settings hub/jupyterhub_config.py reads."""
    if os.geteuid() != 0:
        sys.exit("make hub: run it as root: it creates the roster's accounts and starts each person's server "
                 "as that account")
    proxy = shutil.which("configurable-http-proxy")
    if proxy is None:
        sys.exit("make hub: configurable-http-proxy is missing: apt-get install node-configurable-http-proxy "
                 "(or npm install -g configurable-http-proxy)")
    if not args.roster.exists():
        sys.exit(f"make hub: no roster at {args.roster}: copy hub/roster.example.csv there and list your class "
                 "(username,role,full_name), or pass HUB_ARGS='--roster FILE'")
    try:
        people = read_roster(args.roster)
    except RosterError as error:
        sys.exit(f"make hub: {error}")
    closed = closed_folders(python_paths())
    if closed:
        sys.exit("make hub: every person's server runs the course's Python, but other accounts cannot enter "
                 f"{', '.join(map(str, closed))}: `chmod o+x` them, or make the venv from a Python installed where "
                 "every account can run it (Debian's python3.11, say)")
    course = args.course.resolve()
    for person in people:
        if ensure_account(person):
            print(f"created account {person.username} ({person.role}); set a password with: passwd {person.username}")

    state = args.state.resolve()
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o700)
    token = state / "proxy_auth_token"
    if not token.exists():
        token.touch(0o600)
        token.write_text(secrets.token_hex(32))

    args.exchange.mkdir(parents=True, exist_ok=True)
    args.exchange.chmod(0o1777)  # everyone submits there; the sticky bit keeps each person's folders their own
    # Solutions, submissions and grades closed to every other account (the README's "On a shared machine").
    subprocess.run(["make", "--no-print-directory", "-f", str(COURSE_ROOT / "Makefile"), "-C", str(course),
                    "private"], check=True)

    owner = args.service_user or pwd.getpwuid(course.stat().st_uid).pw_name
    if owner == "root":
        print("make hub: the course's formgrader runs as root, the owner of the course directory: everyone in the "
              "roster's instructor and grader roles can run code as root in it. On a real class, keep the course "
              "in a dedicated account's home (docs/deploy.md).", file=sys.stderr)
    settings = {
        "course": str(course), "course_id": course_id(course), "roster": str(args.roster.resolve()),
        "state": str(state), "exchange": str(args.exchange.resolve()), "ip": args.ip, "port": args.port,
        "hub_port": free_port(), "proxy_api_port": free_port(), "service_port": free_port(), "proxy": proxy,
        "memory_mb": args.memory_mb, "idle_timeout": args.idle_timeout, "owner": owner,
        "owner_home": pwd.getpwnam(owner).pw_dir,
    }
    (state / "settings.json").write_text(json.dumps(settings, indent=2))
    return settings


def main(argv=None):
    args = parse_args(argv)
    settings = prepare(args)
    env = {**os.environ, "COURSE_HUB_SETTINGS": str(Path(settings["state"]) / "settings.json"),
           "NODE_PATH": os.pathsep.join(filter(None, [os.environ.get("NODE_PATH"), NODE_PATH]))}
    hub = Path(sys.executable).parent / "jupyterhub"
    print(f"Class hub of {settings['course_id']} at http://{settings['ip']}:{settings['port']}/ "
          f"(formgrader: /services/{settings['course_id']}/formgrader)", flush=True)
    os.chdir(settings["state"])
    os.execve(hub, [str(hub), "-f", str(HUB_DIR / "jupyterhub_config.py")], env)


if __name__ == "__main__":
    main()
