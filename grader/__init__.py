"""Autograder for the chapter "Logistic Regression and Metrics".

The folder tree is the architecture: `authoring/` turns the master solutions into learner
stubs, data and chapter notes; the grading pipeline (load -> run -> check -> score ->
render) lives in modules of its own.
"""

__version__ = "0.1.0"
