"""The shipped ticket data as the checks see it, read through the kit's own loader.

The loader is the kit's copy of tickets.py (solutions/ when grading, the bundle's copy in
a learner's self-check), never a file from a submission.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class TicketData:
    eight_X_raw: np.ndarray
    eight_y: np.ndarray
    queue_X_raw: np.ndarray
    queue_y: np.ndarray

    @property
    def eight_X(self) -> np.ndarray:
        """The eight tickets with the intercept column: the chapter's X."""
        return np.column_stack([np.ones(len(self.eight_y)), self.eight_X_raw])

    @property
    def queue_X(self) -> np.ndarray:
        return np.column_stack([np.ones(len(self.queue_y)), self.queue_X_raw])

    @classmethod
    def load(cls, loader: Path) -> TicketData:
        """Read both data sets with the tickets.py at `loader`."""
        spec = importlib.util.spec_from_file_location("_kit_tickets", loader)
        if spec is None or spec.loader is None:
            raise FileNotFoundError(loader)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        eight_X_raw, eight_y = module.load_eight_tickets()
        queue_X_raw, queue_y = module.load_ticket_queue()
        return cls(eight_X_raw, eight_y, queue_X_raw, queue_y)
