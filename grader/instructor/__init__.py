"""What instructors add to a grading run: overrides (manual items, regrades) and the late
policy, the roster and the rubric. Read and checked here from their files (no
orchestration); applied by grader/pipeline/adjust.py."""
