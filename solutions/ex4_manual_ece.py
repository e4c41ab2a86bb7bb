"""Exercise 4: ECE by hand with four bins (chapter section "Reliability diagrams").

The chapter model is fit_logistic(X, y, lr=0.8, epochs=2000) on the eight tickets. Its
probabilities, rounded, are

    T1 0.000003  T2 0.000078  T3 0.001931  T4 0.967294
    T5 0.998639  T6 0.972087  T7 0.086190  T8 0.998978

Bins: [0, 0.25], (0.25, 0.5], (0.5, 0.75], (0.75, 1].
"""

from sklearn.calibration import calibration_curve

# How many of the eight probabilities fall in each of the four bins.
HAND_BIN_COUNTS = [4, 0, 0, 4]  # SOLUTION

# The 4-bin ECE: sum over bins of (count / 8) * |mean p - fraction escalated|.
HAND_ECE = 0.018901  # SOLUTION


def sklearn_reliability(y, p, n_bins=5):
    """(prob_true, prob_pred) from scikit-learn's calibration_curve, uniform bins.

    Note where it lives: sklearn.calibration, not sklearn.metrics.
    """
    # TODO: one call of calibration_curve with strategy="uniform".
    # BEGIN SOLUTION
    prob_true, prob_pred = calibration_curve(y, p, n_bins=n_bins, strategy="uniform")
    return prob_true, prob_pred
    # END SOLUTION
