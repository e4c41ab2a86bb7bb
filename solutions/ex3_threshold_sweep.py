"""Exercise 3: sweeping the threshold (chapter sections "Thresholds" and "Costs").

On the eight tickets every threshold ties at F1 = 1; use the ticket queue
(tickets.load_ticket_queue()) to see the trade-off.
"""

import numpy as np
from logistic_scratch import confusion_matrix_at_threshold, precision_recall_f1


def sweep_thresholds(y, p, thresholds):
    """A list of (t, precision, recall, f1), one per threshold, in the given order."""
    # TODO: one confusion matrix per threshold, then precision_recall_f1.
    # BEGIN SOLUTION
    rows = []
    for t in thresholds:
        precision, recall, f1 = precision_recall_f1(confusion_matrix_at_threshold(y, p, t))
        rows.append((float(t), precision, recall, f1))
    return rows
    # END SOLUTION


def best_f1_threshold(y, p, thresholds):
    """The threshold with the highest F1; a tie goes to the one that comes first."""
    # TODO: keep the first threshold that reaches the highest F1.
    # BEGIN SOLUTION
    best_t, best_f1 = None, -1.0
    for t, _, _, f1 in sweep_thresholds(y, p, thresholds):
        if f1 > best_f1:
            best_t, best_f1 = t, f1
    return best_t
    # END SOLUTION


def expected_cost(y, p, t, cost_fn=120.0, cost_fp=18.0):
    """Total cost FN * cost_fn + FP * cost_fp at threshold t, as a float.

    A missed urgent ticket (false negative) costs cost_fn, a false alarm cost_fp.
    """
    # TODO: read FN and FP off the confusion matrix at t.
    # BEGIN SOLUTION
    (_, fp), (fn, _) = confusion_matrix_at_threshold(y, p, t)
    return float(fn * cost_fn + fp * cost_fp)
    # END SOLUTION


def min_cost_threshold(y, p, thresholds, cost_fn=120.0, cost_fp=18.0):
    """(t, cost) with the lowest expected_cost over thresholds; a tie goes to the first."""
    # TODO: like best_f1_threshold, but minimizing expected_cost.
    # BEGIN SOLUTION
    costs = [expected_cost(y, p, t, cost_fn, cost_fp) for t in thresholds]
    best = int(np.argmin(costs))  # argmin returns the first of tied minima
    return float(list(thresholds)[best]), costs[best]
    # END SOLUTION
