"""`make hub`: JupyterHub for a class of this course (hub/start.py starts it; README, "Teach a class")."""
