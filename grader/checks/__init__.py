"""The checks: one pytest function per check, grouped by who may see them.

visible/  on the chapter's eight tickets and fixed inputs; shipped to learners for self-checks
answers/  hand-worked numbers and quiz letters; graded on submission, answers never shipped
hidden/   on held-out data drawn per submission; never shipped, inputs never shown
"""
