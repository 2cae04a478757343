"""nbgrader settings every account of the hub shares (hub/start.py puts this folder on JUPYTER_CONFIG_PATH).

The exchange is the folder `make hub` created (NBGRADER_EXCHANGE in the server's environment); the course id is
the formgrader service's name, as nbgrader's JupyterHub set-up requires.
"""
import os

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.Exchange.root = os.environ["NBGRADER_EXCHANGE"]
c.CourseDirectory.course_id = os.environ["NBGRADER_COURSE_ID"]
