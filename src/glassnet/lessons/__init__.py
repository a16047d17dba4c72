"""Lessons you can run: every claim of the course as an experiment with numbers, figures and a verdict."""
