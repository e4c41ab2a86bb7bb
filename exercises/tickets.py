"""The ticket data for the exercises: `from tickets import load_eight_tickets, load_ticket_queue`.

Every ticket has two features and a label:

* length: the ticket's length in hundreds of tokens (1.5 means about 150 tokens);
* frustration: how frustrated the customer sounds, scored from 0 (calm) to 10 (furious);
* escalated: 1 if the ticket was escalated to a senior agent, 0 if not.

X_raw holds the two features, one row per ticket, without the column of ones: add it
yourself with add_intercept. The files are in the data/ folder next to this one.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

DATA = Path(__file__).with_name("data")


def _load(filename: str) -> tuple[np.ndarray, np.ndarray]:
    with open(DATA / filename, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    X_raw = np.array([[float(r["length"]), float(r["frustration"])] for r in rows], dtype=float)
    y = np.array([int(r["escalated"]) for r in rows], dtype=int)
    return X_raw.reshape(len(rows), 2), y


def load_eight_tickets() -> tuple[np.ndarray, np.ndarray]:
    """The chapter's eight tickets T1..T8: X_raw of shape (8, 2) and y of shape (8,).

    X_raw[:, 0] is length (hundreds of tokens), X_raw[:, 1] frustration (0-10);
    y is 1 for an escalated ticket. The two classes can be split by a straight line.
    """
    return _load("eight_tickets.csv")


def load_ticket_queue() -> tuple[np.ndarray, np.ndarray]:
    """A queue of a few hundred tickets: X_raw of shape (n, 2) and y of shape (n,).

    Same columns as load_eight_tickets. Here the classes overlap and only about one
    ticket in five is escalated, so thresholds, costs and calibration matter.
    """
    return _load("ticket_queue.csv")
