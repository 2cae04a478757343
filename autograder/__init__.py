"""Grading tools of the course: build the release, self-check a notebook."""
