"""One module per command of the command line; each does its work through the pipeline."""
