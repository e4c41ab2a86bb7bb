"""Authoring: the build steps that derive learner files, data and notes from the master."""
