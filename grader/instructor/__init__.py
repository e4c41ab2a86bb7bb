"""What instructors add to a grading run: overrides (manual items, regrades) and the late
policy. Read here from their files; applied by grader/pipeline/adjust.py."""
