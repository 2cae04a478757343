"""JupyterHub for one class of this course; `make hub` (hub/start.py) writes the settings it reads and starts it.

Who is who comes from the roster: students, instructors and graders log in with their Unix accounts (PAM). Every
server is the course's JupyterLab (this repository's .venv) with nbgrader's extensions as nbgrader's JupyterHub
documentation sets them for one class with a formgrader service: students get the Assignments tab; instructors and
graders reach the course's formgrader, a JupyterHub service named after the course that runs in the course directory.
"""
import json
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821  (provided by JupyterHub when it loads this file)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the course's folder, which holds hub/
from hub.course_hub import CourseSpawner, read_roster, user_config_path  # noqa: E402

settings = json.loads(Path(os.environ["COURSE_HUB_SETTINGS"]).read_text())
state = Path(settings["state"])
venv_bin = Path(sys.executable).parent
course_id = settings["course_id"]
people = read_roster(settings["roster"])
staff = sorted(p.username for p in people if p.role in ("instructor", "grader"))
students = sorted(p.username for p in people if p.role == "student")
formgrade_group = f"formgrade-{course_id}"  # nbgrader's names for a course's staff and students
student_group = f"nbgrader-{course_id}"

# --- The hub, its proxy and its secrets (all in the state folder, 0700, never committed) ---
c.JupyterHub.ip = settings["ip"]
c.JupyterHub.port = settings["port"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings["hub_port"]
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
# Debian's node-configurable-http-proxy (start.py sets NODE_PATH for it) or npm's, whichever is on PATH.
c.ConfigurableHTTPProxy.command = [settings["proxy"]]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['proxy_api_port']}"
c.ConfigurableHTTPProxy.auth_token = (state / "proxy_auth_token").read_text().strip()
c.ConfigurableHTTPProxy.pid_file = str(state / "configurable-http-proxy.pid")
# The class's state is the roster: a person removed from it loses access at the next start.
c.JupyterHub.load_groups = {formgrade_group: {"users": staff}, student_group: {"users": students}}
c.Authenticator.allowed_users = set(staff + students)
c.Authenticator.admin_users = set()  # nobody may open another person's server
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False  # no pam_systemd/pam_limits session: containers have no logind

# --- Every person's server ---
c.JupyterHub.spawner_class = CourseSpawner
c.Spawner.cmd = [str(venv_bin / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.mem_limit = f"{settings['memory_mb']}M"  # shown to the server; the cgroup enforces it
c.CourseSpawner.memory_mb = settings["memory_mb"]
c.CourseSpawner.instructor_group = formgrade_group
c.Spawner.environment = {
    "NBGRADER_EXCHANGE": settings["exchange"], "NBGRADER_COURSE_ID": course_id,
    # The course's kernels: no TensorFlow log lines on stderr, no oneDNN notice (as nbgrader_config.py).
    "TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0",
    "PATH": f"{venv_bin}{os.pathsep}/usr/local/bin:/usr/bin:/bin",  # nbgrader shells out to alembic
}
c.Spawner.start_timeout = 180  # a JupyterLab with TensorFlow's packages starts slowly on a busy 2-core machine
c.Spawner.http_timeout = 180
# A headless Jupyter server ignores the SIGINT JupyterHub sends first: go on to SIGTERM after 2 s, not 10.
c.Spawner.interrupt_timeout = 2

# --- Services: the course's formgrader, and the idle culler ---
course = Path(settings["course"])
c.JupyterHub.services = [
    {
        # nbgrader's "formgrader as a JupyterHub service": a JupyterLab in the course directory, run as the
        # directory's owner; the service's name is the course id.
        "name": course_id,
        "url": f"http://127.0.0.1:{settings['service_port']}",
        # umask 077: what it writes in the course (the gradebook, nbgrader's folders) is closed to other accounts,
        # as `make private` closes what exists already; nbgrader sets the exchange's modes itself.
        "command": ["/bin/sh", "-c", 'umask 077 && exec "$@"', "formgrader",
                    str(venv_bin / "jupyterhub-singleuser"), f"--ServerApp.root_dir={course}",
                    *(["--allow-root"] if settings["owner"] == "root" else [])],
        "user": settings["owner"],
        "cwd": str(course),
        "environment": {
            "HOME": settings["owner_home"], "JUPYTERHUB_DEFAULT_URL": "/formgrader",
            "JUPYTER_CONFIG_PATH": user_config_path("formgrader"),
            "NBGRADER_EXCHANGE": settings["exchange"], "NBGRADER_COURSE_ID": course_id,
            "TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0",
            "PATH": f"{venv_bin}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
        },
        "oauth_no_confirm": True,
    },
    {
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={settings['idle_timeout']}"],
    },
]
c.JupyterHub.load_roles = [
    # Only the course's staff may open the formgrader (and its API): JupyterHub checks this scope on every request.
    {"name": f"{course_id}-staff", "groups": [formgrade_group], "scopes": [f"access:services!service={course_id}"]},
    {"name": "idle-culler", "services": ["idle-culler"],
     "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
]
