"""The misconceptions of the contract (section 4), each as symptom -> cause -> fix.

Checks tag a failure with an id when the learner's result matches what that mistake
produces (see variants.py); the renderers look the explanation up here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Misconception:
    misconception_id: str
    title: str
    symptom: str
    cause: str
    fix: str


_ENTRIES = [
    Misconception(
        "M01",
        "the intercept column is missing",
        "weights have one entry too few, or the decision boundary is forced through 0",
        "X was used without its first column of ones",
        "prepend a column of ones (add_intercept) before fitting and predicting",
    ),
    Misconception(
        "M02",
        "the sigmoid's sign is flipped",
        "probabilities fall as z grows: sigma(4) comes out near 0.018",
        "sigma(z) = 1 / (1 + e^z) instead of 1 / (1 + e^-z)",
        "use exp(-z) in the denominator",
    ),
    Misconception(
        "M03",
        "the sigmoid is numerically unstable",
        "overflow warnings or nan for large |z| (e.g. z = -1000)",
        "exp(-z) overflows a float64 once -z exceeds about 709; np.where does not help on its "
        "own, because it evaluates both branches for every z before choosing",
        "compute e = exp(-|z|) once (it never overflows) and return 1 / (1 + e) for z >= 0 "
        "and e / (1 + e) for z < 0, or clip z to [-500, 500] first",
    ),
    Misconception(
        "M04",
        "log-loss without clipping",
        "inf or nan as soon as a probability is exactly 0 or 1",
        "log(0) is -inf, and 0 * log(0) is nan",
        "clip p to [eps, 1 - eps] before taking logs",
    ),
    Misconception(
        "M05",
        "log-loss summed instead of averaged",
        "the loss grows with the number of tickets (n times too large)",
        "the per-ticket losses were summed",
        "divide by n: take the mean",
    ),
    Misconception(
        "M06",
        "the gradient lacks the 1/n",
        "the gradient is n times too large, and a step size that works on one data set "
        "explodes on a larger one",
        "X^T (p - y) without dividing by the number of tickets",
        "divide by n (the number of rows of X)",
    ),
    Misconception(
        "M07",
        "the gradient's sign is reversed",
        "the loss rises at every step of gradient descent",
        "(y - p) x instead of (p - y) x",
        "the gradient of the log-loss is (1/n) X^T (p - y); descent subtracts it",
    ),
    Misconception(
        "M08",
        "the L2 penalty is applied to the intercept",
        "with l2 > 0 the intercept shrinks towards 0 and disagrees with scikit-learn",
        "l2 * w was added to every weight, w[0] included",
        "add l2 * w for w[1:] only: set the intercept's penalty to 0",
    ),
    Misconception(
        "M09",
        "p > t instead of p >= t",
        "a ticket whose probability equals the threshold is predicted calm",
        "a strict comparison",
        "predict positive where p >= t",
    ),
    Misconception(
        "M10",
        "confusion-matrix cells in the wrong places",
        "precision and recall come out swapped or nonsensical",
        "a layout other than [[TN, FP], [FN, TP]]",
        "rows are the true class (0 then 1), columns the predicted class (0 then 1)",
    ),
    Misconception(
        "M11",
        "nan or an error where 0/0 should give 0",
        "a crash or nan when no ticket is predicted positive, or none is positive",
        "an unguarded division",
        "return 0.0 whenever a denominator is 0 (scikit-learn's zero_division=0)",
    ),
    Misconception(
        "M12",
        "F1 as the arithmetic mean",
        "F1 is too high when precision and recall differ a lot",
        "(precision + recall) / 2",
        "F1 is the harmonic mean: 2PR / (P + R), or 2TP / (2TP + FP + FN)",
    ),
    Misconception(
        "M13",
        "ROC axes swapped",
        "the curve lies below the diagonal for a good model",
        "(tpr, fpr) pairs instead of (fpr, tpr)",
        "the false-positive rate is the x axis, the true-positive rate the y axis",
    ),
    Misconception(
        "M14",
        "AUC ignores ties",
        "AUC differs from scikit-learn when probabilities repeat",
        "a tie between a positive and a negative counted as 0 or 1",
        "count each tied pair as one half (or use average ranks)",
    ),
    Misconception(
        "M15",
        "ECE not weighted by bin size",
        "a nearly empty bin moves the ECE as much as a full one",
        "the bins' gaps were averaged",
        "weight each bin's |mean p - mean y| by count / n",
    ),
    Misconception(
        "M16",
        "a probability on an inner bin edge went to the upper bin",
        "bins differ from calibration_curve for p = 0.2, 0.4, ... exactly",
        "bins of the form [e_i, e_i+1) instead of (e_i, e_i+1]",
        "a probability on an inner edge belongs to the lower bin: searchsorted(inner_edges, "
        "p, side='left')",
    ),
    Misconception(
        "M17",
        "bins spread over [min p, max p]",
        "bin edges move with the data and calibration is judged on the wrong scale",
        "edges from the observed probabilities instead of [0, 1]",
        "use edges np.linspace(0, 1, n_bins + 1)",
    ),
    Misconception(
        "M18",
        "the function changes its input",
        "the caller's array is different after the call",
        "writing into an argument (in-place operations, or a view of it)",
        "work on a copy: np.array(x, dtype=float) or x.copy()",
    ),
    Misconception(
        "M19",
        "right on the eight tickets only",
        "visible checks pass but the same function fails on other data",
        "answers tailored or hard-coded to the chapter's data",
        "compute from the arguments; test on data of your own",
    ),
    Misconception(
        "M20",
        "the label-flip experiment does not retrain",
        "w_after equals w_before",
        "the model fitted on the original labels was scored again",
        "call fit_logistic a second time, on the flipped labels",
    ),
    Misconception(
        "M21",
        "the two costs exchanged",
        "the cost-optimal threshold moves the wrong way",
        "FN multiplied by cost_fp and FP by cost_fn",
        "a missed urgent ticket is a false negative: FN * cost_fn + FP * cost_fp",
    ),
    Misconception(
        "M22",
        "the learning-rate bound off by a factor",
        "the bound is 2 or 4 times too large or small",
        "1/L instead of 2/L, or L without the 1/4 of sigma' <= 1/4",
        "2 / L with L = lambda_max(X^T X) / (4 n)",
    ),
    Misconception(
        "M23",
        "l2 = 1/C without the 1/n",
        "weights disagree with scikit-learn, more so on larger data",
        "scikit-learn sums the losses (C * sum), fit_logistic averages them",
        "l2 = 1 / (C * n)",
    ),
]

CATALOG: dict[str, Misconception] = {entry.misconception_id: entry for entry in _ENTRIES}
