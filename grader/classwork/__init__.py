"""The class: batch grading, the class folder and its stored results, the class
summary and the class views (gradebook, Canvas, JUnit, class.html/.md/.json), their
rebuild and the progress line. Above render; below commands."""
