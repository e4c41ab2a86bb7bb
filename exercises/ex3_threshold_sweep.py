"""Exercise 3: sweeping the threshold (chapter sections "Thresholds" and "Costs").

On the eight tickets every threshold ties at F1 = 1; use the ticket queue
(tickets.load_ticket_queue()) to see the trade-off.
"""

import numpy as np
from logistic_scratch import confusion_matrix_at_threshold, precision_recall_f1


def sweep_thresholds(y, p, thresholds):
    """A list of (t, precision, recall, f1), one per threshold, in the given order."""
    # TODO: one confusion matrix per threshold, then precision_recall_f1.
    raise NotImplementedError("sweep_thresholds() is not written yet (see its TODO)")


def best_f1_threshold(y, p, thresholds):
    """The threshold with the highest F1; a tie goes to the one that comes first."""
    # TODO: keep the first threshold that reaches the highest F1.
    raise NotImplementedError("best_f1_threshold() is not written yet (see its TODO)")


def expected_cost(y, p, t, cost_fn=120.0, cost_fp=18.0):
    """Total cost FN * cost_fn + FP * cost_fp at threshold t, as a float.

    A missed urgent ticket (false negative) costs cost_fn, a false alarm cost_fp.
    """
    # TODO: read FN and FP off the confusion matrix at t.
    raise NotImplementedError("expected_cost() is not written yet (see its TODO)")


def min_cost_threshold(y, p, thresholds, cost_fn=120.0, cost_fp=18.0):
    """(t, cost) with the lowest expected_cost over thresholds; a tie goes to the first."""
    # TODO: like best_f1_threshold, but minimizing expected_cost.
    raise NotImplementedError("min_cost_threshold() is not written yet (see its TODO)")
