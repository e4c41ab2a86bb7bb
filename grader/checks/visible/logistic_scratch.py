"""Visible checks of logistic_scratch.py, on the eight tickets and small fixed inputs."""

from __future__ import annotations

import numpy as np

from grader.chapter import CHAPTER_EPOCHS, CHAPTER_LR
from grader.checks.expect import (
    as_array,
    call_where_zero_division,
    close,
    expect_close,
    expect_equal,
    show,
    zero_division_nan,
)
from grader.checks.framework import CheckFailure, CheckSkipped, FailureKind, StudentCodeError
from grader.checks.probes import blame_in_module
from grader.checks.source import UnreadableSource, function_uses, third_party_imports
from grader.results import Cause, CauseKind

MODULE = "logistic_scratch"
ALLOWED_THIRD_PARTY = {"numpy"}
FORBIDDEN_HINT = "This file is written from scratch: NumPy and the standard library only."

# The fixed inputs of these checks. The learner sees their answers: the hidden checks
# recognize answers hard-coded for them (M19), from the calls recorded as they are made.
PREDICT_W = np.array([-4.0, 0.8, 0.4])
LOG_LOSS_P = np.array([0.1, 0.3, 0.2, 0.7, 0.9, 0.6, 0.4, 0.8])
GRADIENT_W = np.array([-1.0, 0.3, 0.2])
GRADIENT_L2_W, GRADIENT_L2 = np.array([0.5, -0.2, 0.3]), 0.1
STABLE_LR, STABLE_EPOCHS = 0.2, (0, 1, 300)
# A long run with l2 > 0 (lr = 0.2 stays below 2/L = 0.2249 with l2 = 1/8): correct codes
# agree there (descent is stable and contracts), while a fit that quits once the loss
# changes by less than 1e-6 stops near step 1442 and is 0.2 off.
LONG_EPOCHS, LONG_L2 = 3000, 0.125
# TN 3, FP 1, FN 0, TP 4: no two cells equal, so every other layout (M10) shows; the 0.5
# on an escalated ticket shows p > t (M09).
CONFUSION_P, CONFUSION_T = np.array([0.1, 0.6, 0.2, 0.9, 0.5, 0.55, 0.4, 0.7]), 0.5
PRF_CM = np.array([[50, 10], [5, 15]])
ROC_P = np.array([0.1, 0.6, 0.2, 0.9, 0.5, 0.3, 0.4, 0.7])
ROC_THRESHOLDS = [1.01, 0.8, 0.5, 0.35, 0.0]
AUC_Y = np.array([0, 0, 1, 1, 0, 1, 0, 1, 1, 0])
AUC_P = np.array([0.2, 0.5, 0.5, 0.8, 0.3, 0.3, 0.9, 0.8, 0.5, 0.1])
BINS_Y = np.array([0, 1, 0, 1, 1, 0, 1, 0, 1, 1])
BINS_P = np.array([0.0, 0.2, 0.2, 0.4, 0.55, 0.8, 0.8, 0.95, 1.0, 0.1])
ECE_Y = np.array([0, 0, 0, 0, 0, 0, 1, 1, 0, 1])
ECE_P = np.array([0.05, 0.1, 0.15, 0.1, 0.05, 0.1, 0.9, 0.7, 0.5, 0.45])


def check_scratch_imports_numpy_only(learner, reference):
    """logistic_scratch.py imports only NumPy and the standard library."""
    if learner.source(MODULE) is None:
        missing = learner.places.missing(f"{MODULE}.py")
        raise CheckSkipped(f"{missing}.", Cause(CauseKind.BROKEN_FILE, MODULE, detail=missing))
    try:
        forbidden = third_party_imports(learner.learner_sources, MODULE, ALLOWED_THIRD_PARTY)
    except UnreadableSource as error:  # Python cannot read it either: not judgeable
        said = error.sentence(learner.places)
        where = learner.places.where(error.file, error.line) if error.line else None
        cause = Cause(
            CauseKind.BROKEN_FILE, MODULE, detail=f"{said}.", where=where, failure=error.failure
        )
        raise CheckSkipped(f"{said}.", cause) from None
    if forbidden:
        found = "; ".join(item.describe(MODULE) for item in forbidden)
        raise CheckFailure(f"{found}. {FORBIDDEN_HINT}")
    # The point is for code written from scratch that does its job: an untouched stub, or
    # a sigmoid that returns a constant, does not earn it.
    z = np.array([-2.0, 0.0, 3.0])
    try:
        got = learner.call(MODULE, "sigmoid", z)
    except StudentCodeError as error:
        # sigmoid() is the cause (its own checks say how): blamed as a fact, so that "Fix
        # first" names sigmoid's checks, not this rule
        raise CheckFailure(
            "The from-scratch rule counts once your functions run; sigmoid failed: "
            f"{error.learner_message.splitlines()[0]}",
            blamed=[("sigmoid", "it fails")],
            blamed_module=MODULE,
        ) from None
    if not _right(got, reference.call(MODULE, "sigmoid", z)):
        raise CheckFailure(
            "The from-scratch rule counts once your functions work: sigmoid gives wrong "
            "values (see check_sigmoid_values).",
            blamed=[("sigmoid", "it gives wrong values")],
            blamed_module=MODULE,
        )


def _right(got, expected, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Whether a learner's value matches, without failing on values of the wrong kind."""
    try:
        return close(got, expected, rtol=rtol, atol=atol)
    except (TypeError, ValueError):
        return False


def check_add_intercept(learner, reference, tickets):
    """add_intercept puts a column of ones first, as a float array."""
    X_raw = tickets.eight_X_raw
    got = learner.call(MODULE, "add_intercept", X_raw)
    expected = reference.call(MODULE, "add_intercept", X_raw)
    variants_ = {"M01": X_raw}
    expect_close(
        got,
        expected,
        what="add_intercept(eight tickets)",
        variants=variants_,
        fix="Return np.column_stack([np.ones(n), X_raw]): ones first, then the features.",
    )
    from_list = learner.call(MODULE, "add_intercept", X_raw.tolist())
    expect_close(
        from_list,
        expected,
        what="add_intercept on a list of lists",
        fix="Accept lists too: convert with np.asarray(X_raw, dtype=float) first.",
    )


def check_sigmoid_values(learner, reference, variants):
    """sigmoid matches 1 / (1 + exp(-z)) within 1e-9 on a grid of z."""
    z = np.array([-30.0, -3.5, -0.5, 0.25, 2.5, 30.0])
    got = learner.call(MODULE, "sigmoid", z)
    expect_close(
        got,
        reference.call(MODULE, "sigmoid", z),
        what=f"sigmoid({show(z)})",
        rtol=0.0,
        atol=1e-9,
        variants={"M02": variants.sigmoid_sign_flipped(z)},
        fix="sigma(z) = 1 / (1 + exp(-z)): large z gives values near 1.",
    )


def check_sigmoid_stable(learner, reference):
    """sigmoid stays finite, accurate and warning-free on [-1000, 1000]."""
    z = np.linspace(-1000.0, 1000.0, 4001)
    fix = (
        "exp(-z) overflows for z below about -709. Use exp(-|z|): for z >= 0 return "
        "1 / (1 + exp(-z)), for z < 0 return exp(z) / (1 + exp(z))."
    )
    result = learner.call_full(MODULE, "sigmoid", z)
    runtime = [w for w in result.warnings if w.startswith("RuntimeWarning")]
    if runtime:
        if function_uses(learner.source(MODULE), "sigmoid", "where"):
            fix = NP_WHERE_TRAP
        raise CheckFailure.joined(
            f"sigmoid on z in [-1000, 1000] raised {runtime[0]}.", ("M03",), fix=fix
        )
    got = as_array(result.value, "sigmoid(z)")
    if got.shape == z.shape and not np.all(np.isfinite(got)):
        raise CheckFailure(f"sigmoid gives nan or inf for large |z|. {fix}", ("M03",))
    expect_close(
        got,
        reference.call(MODULE, "sigmoid", z),
        what="sigmoid on z in [-1000, 1000]",
        rtol=0.0,
        atol=1e-9,
        fix=fix,
    )


NP_WHERE_TRAP = (
    "np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z))) is the right idea, "
    "but np.where evaluates both branches for every z before choosing: np.exp(-z) is still "
    "computed for z = -1000, and overflows, even where its branch is not taken. Compute "
    "e = np.exp(-np.abs(z)) once (it never overflows) and use it in both branches: "
    "np.where(z >= 0, 1 / (1 + e), e / (1 + e))."
)


def check_sigmoid_shapes(learner, reference):
    """sigmoid keeps the shape of z: a number for a number, a matrix for a matrix."""
    scalar = learner.call(MODULE, "sigmoid", 0.5)
    if np.shape(scalar) != ():
        raise CheckFailure(
            f"sigmoid(0.5) should be one number, got shape {np.shape(scalar)}. "
            "Return an array of the shape of z (a float for a float)."
        )
    matrix = np.array([[-1.0, 0.0, 1.0], [2.0, -2.0, 0.5]])
    got = as_array(learner.call(MODULE, "sigmoid", matrix), "sigmoid(2x3 matrix)")
    if got.shape != matrix.shape:
        raise CheckFailure(
            f"sigmoid of a 2x3 matrix should have shape (2, 3), got {got.shape}. "
            "Work element by element (np.exp), without flattening or summing."
        )
    # The right shape earns the point only with the right values in it.
    for z, value in ((0.5, scalar), (matrix, got)):
        expected = reference.call(MODULE, "sigmoid", z)
        if not _right(value, expected):
            raise CheckFailure(
                f"sigmoid({show(z)}) has the right shape but wrong values: expected "
                f"{show(expected)}, got {show(value)}. sigma(z) = 1 / (1 + exp(-z)), element "
                "by element."
            )


def check_log_loss_values(learner, reference, tickets, variants):
    """log_loss is the mean binary cross-entropy."""
    y, p = tickets.eight_y, LOG_LOSS_P
    expect_close(
        learner.call(MODULE, "log_loss", y, p),
        reference.call(MODULE, "log_loss", y, p),
        what="log_loss(y, p) on the eight tickets",
        variants={"M05": variants.log_loss_summed(y, p)},
        fix="Average -(y log p + (1 - y) log(1 - p)) over the tickets (np.mean, not np.sum).",
    )


def check_log_loss_clipping(learner, reference):
    """log_loss clips p to [eps, 1 - eps]: finite even at p = 0 or p = 1."""
    y = np.array([1, 0, 1, 0])
    p = np.array([0.0, 1.0, 1.0, 0.0])
    got = learner.call(MODULE, "log_loss", y, p)
    value = as_array(got, "log_loss at p in {0, 1}")
    expected = reference.call(MODULE, "log_loss", y, p)
    if value.size == 1 and _right(value.reshape(()), expected * len(y), rtol=1e-2):
        # Clipped right, summed (M05): check_log_loss_values charges the sum; this check
        # is about the clipping, which is right.
        return
    if value.size == 1 and not np.isfinite(value).all():
        raise CheckFailure(
            f"log_loss(y={y.tolist()}, p={p.tolist()}) is {show(got)}: log(0) is -inf. Clip p "
            "to [eps, 1 - eps] before taking logs.",
            misconceptions=("M04",),
        )
    # Saturated logs differ by ~1e-3 between correct formulas (log(1 - p) vs log1p(-p)).
    expect_close(
        got,
        expected,
        what="log_loss at p in {0, 1}",
        rtol=1e-2,
        fix="Clip with the eps argument: np.clip(p, eps, 1 - eps).",
    )


def check_gradient_values(learner, reference, tickets, variants):
    """gradient is (1/n) X^T (sigmoid(Xw) - y) on the eight tickets."""
    X, y = tickets.eight_X, tickets.eight_y
    w = GRADIENT_W
    expect_close(
        learner.call(MODULE, "gradient", X, y, w),
        reference.call(MODULE, "gradient", X, y, w),
        what=f"gradient(X, y, w={w.tolist()})",
        variants=variants.gradient_variants(X, y, w, 0.0),
        fix="g = X.T @ (sigmoid(X @ w) - y) / n, with n the number of tickets.",
    )


def check_gradient_l2(learner, reference, tickets, variants):
    """gradient adds l2 * w for every weight but the intercept."""
    X, y = tickets.eight_X, tickets.eight_y
    w, l2 = GRADIENT_L2_W, GRADIENT_L2
    expect_close(
        learner.call(MODULE, "gradient", X, y, w, l2=l2),
        reference.call(MODULE, "gradient", X, y, w, l2=l2),
        what=f"gradient(X, y, w={w.tolist()}, l2={l2})",
        variants=variants.gradient_variants(X, y, w, l2),
        fix="Add l2 * w to the data term, with the intercept's entry (index 0) set to 0.",
    )


def check_fit_logistic_stable(learner, reference, tickets):
    """fit_logistic follows gradient descent from zeros (lr = 0.2 < 2/L, 300 epochs, and
    3000 epochs with l2 = 1/8)."""
    X, y = tickets.eight_X, tickets.eight_y
    fix = (
        "Start from np.zeros(d) and take exactly `epochs` steps w = w - lr * gradient(X, y, w, l2)."
    )
    runs = [(epochs, 0.0) for epochs in STABLE_EPOCHS] + [(LONG_EPOCHS, LONG_L2)]
    for epochs, l2 in runs:
        extra = {"l2": l2} if l2 else {}
        what = f"fit_logistic(X, y, lr={STABLE_LR}, epochs={epochs}{f', l2={l2}' if l2 else ''})"
        got = learner.call(MODULE, "fit_logistic", X, y, lr=STABLE_LR, epochs=epochs, **extra)
        expected = reference.call(
            MODULE, "fit_logistic", X, y, lr=STABLE_LR, epochs=epochs, **extra
        )
        if epochs == LONG_EPOCHS and not _right(got, expected):
            _stopped_early(learner, reference, X, y, got, epochs, l2, what)
        expect_close(got, expected, what=what, fix=fix)


def _stopped_early(learner, reference, X, y, got, epochs: int, l2: float, what: str) -> None:
    """A CheckFailure saying the fit stopped before `epochs` steps, when the learner's
    weights after epochs and epochs + 1 steps are identical while one more step of gradient
    descent still moves the reference's (a loop that quits once the loss barely changes)."""
    more = learner.call(MODULE, "fit_logistic", X, y, lr=STABLE_LR, epochs=epochs + 1, l2=l2)
    step = reference.call(MODULE, "fit_logistic", X, y, lr=STABLE_LR, epochs=epochs + 1, l2=l2)
    try:
        same = np.array_equal(np.asarray(got, dtype=float), np.asarray(more, dtype=float))
    except (TypeError, ValueError):
        return
    expected = reference.call(MODULE, "fit_logistic", X, y, lr=STABLE_LR, epochs=epochs, l2=l2)
    if same and not np.array_equal(step, expected):
        raise CheckFailure(
            f"{what}: your weights after {epochs} and after {epochs + 1} epochs are identical, "
            "but each step of gradient descent still changes them: the fit stopped before "
            f"`epochs` steps (expected {show(expected)}, got {show(got)}). "
            "Take exactly `epochs` steps, with no early stop on a small change of the loss."
        )


def check_fit_logistic_chapter_model(learner, reference, tickets):
    """The chapter model (lr = 0.8, 2000 epochs): same first steps, same classification."""
    lr, epochs = CHAPTER_LR, CHAPTER_EPOCHS
    X, y = tickets.eight_X, tickets.eight_y
    # lr = 0.8 is above 2/L: long runs of two correct codes drift apart, so compare the
    # first steps exactly and the final model by what it predicts.
    expect_close(
        learner.call(MODULE, "fit_logistic", X, y, lr=lr, epochs=3),
        reference.call(MODULE, "fit_logistic", X, y, lr=lr, epochs=3),
        what=f"fit_logistic(X, y, lr={lr}, epochs=3)",
        fix="Each step is w = w - lr * gradient(X, y, w): check the update's sign and size.",
    )
    w = learner.call(MODULE, "fit_logistic", X, y, lr=lr, epochs=epochs)
    w = as_array(w, "w", (3,))
    predicted = (X @ w >= 0).astype(int)
    expect_equal(
        predicted,
        y,
        what="the chapter model's predictions at 0.5 on the eight tickets",
        fix=f"After {epochs} steps at lr = {lr} the chapter model classifies all eight correctly.",
    )


def check_predict_proba(learner, reference, tickets):
    """predict_proba is sigmoid(X @ w), one probability per row."""
    X, w = tickets.eight_X, PREDICT_W
    expect_close(
        learner.call(MODULE, "predict_proba", X, w),
        reference.call(MODULE, "predict_proba", X, w),
        what=f"predict_proba(X, w={w.tolist()})",
        rtol=0.0,
        atol=1e-9,
        fix="Return sigmoid(X @ w).",
    )


def check_threshold_is_inclusive(learner, reference, variants):
    """predict_with_threshold predicts 1 where p >= t, as ints."""
    p = np.array([0.2, 0.5, 0.50001, 0.49999, 0.75, 0.5])
    got = learner.call(MODULE, "predict_with_threshold", p, 0.5)
    expect_equal(
        got,
        reference.call(MODULE, "predict_with_threshold", p, 0.5),
        what=f"predict_with_threshold({p.tolist()}, 0.5)",
        variants={"M09": variants.threshold_strict(p, 0.5)},
        fix="A probability exactly at the threshold is positive: use p >= t.",
    )
    if np.asarray(got).dtype.kind not in "iub":
        raise CheckFailure(
            "predict_with_threshold should return integers 0 and 1; convert with .astype(int)."
        )


def check_confusion_matrix_layout(learner, reference, tickets, variants):
    """confusion_matrix_at_threshold returns [[TN, FP], [FN, TP]]."""
    y, p, t = tickets.eight_y, CONFUSION_P, CONFUSION_T
    got = learner.call(MODULE, "confusion_matrix_at_threshold", y, p, t)
    expect_equal(
        got,
        reference.call(MODULE, "confusion_matrix_at_threshold", y, p, t),
        what=f"confusion_matrix_at_threshold(y, p={p.tolist()}, t={t})",
        variants=variants.confusion_variants(y, p, t),
        fix="Rows are the true class, columns the predicted one: [[TN, FP], [FN, TP]], "
        "predicted positive where p >= t.",
    )
    # Labels of one class: still a 2x2 matrix (a matrix sized by the classes present,
    # len(np.unique(y)), is 1x1 here).
    one_class_fix = (
        "Always 2x2, whatever classes y holds: count the four cells with boolean masks, not "
        "with a matrix sized by np.unique(y)."
    )
    for label in (0, 1):
        one_class = np.full(len(y), label)
        what = f"confusion_matrix_at_threshold with y all {label}, p={p.tolist()}, t={t}"
        try:
            got = learner.call(MODULE, "confusion_matrix_at_threshold", one_class, p, t)
        except StudentCodeError as error:
            if error.kind is not FailureKind.EXCEPTION:
                raise
            first = error.learner_message.splitlines()[0] if error.learner_message else ""
            raise CheckFailure(f"{what} failed: {first}. {one_class_fix}") from None
        expect_equal(
            got,
            reference.call(MODULE, "confusion_matrix_at_threshold", one_class, p, t),
            what=what,
            variants=variants.confusion_variants(one_class, p, t),
            fix=one_class_fix,
        )


def check_precision_recall_f1(learner, reference, variants):
    """precision_recall_f1 reads the cells right and takes the harmonic mean."""
    cm = PRF_CM
    expect_close(
        learner.call(MODULE, "precision_recall_f1", cm),
        reference.call(MODULE, "precision_recall_f1", cm),
        what=f"precision_recall_f1({cm.tolist()})",
        variants={"M12": variants.f1_arithmetic(cm)},
        fix="precision = TP/(TP+FP), recall = TP/(TP+FN), F1 = 2PR/(P+R).",
    )


def check_precision_recall_f1_zero_division(learner, reference):
    """Any 0/0 in precision, recall or F1 gives 0.0, never nan or an error."""
    fix = "Guard each division: a rate whose denominator is 0 is 0.0 (zero_division=0)."
    # An ordinary matrix first: an error there is a failure of its own, not about 0/0, and
    # only a function right there is said to stumble on 0/0 (M11) below.
    ordinary = reference.call(MODULE, "precision_recall_f1", PRF_CM)
    got = learner.call(MODULE, "precision_recall_f1", PRF_CM)
    # Precision and recall are where the divisions are (F1 has its own check, M12).
    try:
        right = _right(np.asarray(got, dtype=float)[:2], np.asarray(ordinary)[:2])
    except (TypeError, ValueError, IndexError):
        right = False
    if not right:
        # Every 0/0 answer is (0.0, 0.0, 0.0): a function that returns it always must not
        # earn this point. It counts once the ordinary matrix comes out right.
        raise CheckFailure(
            f"precision_recall_f1({PRF_CM.tolist()}) gives the wrong precision or recall "
            f"(expected {show(ordinary)}, got {show(got)}), so its 0/0 answers cannot be "
            "judged yet. Fix it first (see check_precision_recall_f1); this check counts once "
            "precision and recall are right."
        )
    for cm in (np.array([[6, 0], [2, 0]]), np.array([[8, 0], [0, 0]]), np.array([[0, 3], [0, 0]])):
        what = f"precision_recall_f1({cm.tolist()})"
        expected = reference.call(MODULE, "precision_recall_f1", cm)
        got = call_where_zero_division(
            learner, MODULE, "precision_recall_f1", cm, what=what, fix=fix, ran_before=right
        )
        values = as_array(got, what)
        expect_close(
            values,
            expected,
            what=what,
            variants={"M11": zero_division_nan(expected, values) if right else None},
            fix=fix,
        )


def check_roc_points(learner, reference, tickets, variants):
    """roc_points gives (FPR, TPR) per threshold, in the thresholds' order."""
    y, p, thresholds = tickets.eight_y, ROC_P, ROC_THRESHOLDS
    expected = reference.call(MODULE, "roc_points", y, p, thresholds)
    expect_close(
        learner.call(MODULE, "roc_points", y, p, thresholds),
        expected,
        what=f"roc_points(y, p, {thresholds})",
        variants={
            "M13": variants.roc_swapped(expected),
            "M09": variants.roc_strict(y, p, thresholds),
        },
        fix="Each point is (FP / (FP + TN), TP / (TP + FN)): x is the false-positive rate; "
        "predicted positive where p >= t.",
    )
    # Labels of one class: one rate's denominator is 0 at every threshold.
    fix = "A rate whose denominator is 0 is 0.0: guard FP + TN and TP + FN."
    for label, name in ((0, "no escalated ticket"), (1, "only escalated tickets")):
        one_class = np.full(len(y), label)
        expected = reference.call(MODULE, "roc_points", one_class, p, thresholds)
        what = f"roc_points with {name} (y all {label})"
        got = call_where_zero_division(
            learner,
            MODULE,
            "roc_points",
            one_class,
            p,
            thresholds,
            what=what,
            fix=fix,
            ran_before=True,
        )
        expect_close(
            got,
            expected,
            what=what,
            variants={"M11": zero_division_nan(expected, as_array(got, what))},
            fix=fix,
        )


def check_roc_auc_with_ties(learner, reference, variants):
    """roc_auc equals roc_auc_score, a tie counting one half."""
    y, p = AUC_Y, AUC_P
    expect_close(
        learner.call(MODULE, "roc_auc", y, p),
        reference.call(MODULE, "roc_auc", y, p),
        what=f"roc_auc(y={y.tolist()}, p={p.tolist()})",
        variants=variants.auc_ties(y, p),
        fix="Compare every positive with every negative; a tie counts 0.5.",
    )


def check_roc_auc_one_class(learner, reference):
    """roc_auc raises ValueError when y holds one class only."""
    # Raising is the job only where the AUC is undefined: a function that always raises
    # (or returns nonsense) on two classes does not earn this point.
    two_y, two_p = np.array([0, 1, 1, 0]), np.array([0.2, 0.5, 0.9, 0.7])  # AUC 0.75, no tie
    try:
        two = learner.call(MODULE, "roc_auc", two_y, two_p)
    except StudentCodeError as error:
        if error.kind is not FailureKind.EXCEPTION:
            raise
        two = f"an error ({error.exception_type})"
    expected = reference.call(MODULE, "roc_auc", two_y, two_p)
    if not _right(two, expected):
        raise CheckFailure(
            f"roc_auc(y={two_y.tolist()}, p={two_p.tolist()}) should be {show(expected)}, got "
            f"{show(two)}; raising ValueError for one class counts once two classes work."
        )
    try:
        got = learner.call(MODULE, "roc_auc", np.array([1, 1, 1]), np.array([0.2, 0.5, 0.9]))
    except StudentCodeError as error:
        if error.kind is FailureKind.EXCEPTION and error.exception_type == "ValueError":
            return
        if error.kind is not FailureKind.EXCEPTION:
            raise
        raise CheckFailure(
            f"roc_auc with one class raised {error.exception_type}, not ValueError. Check for "
            "no positives or no negatives first and raise ValueError with a clear message."
        ) from None
    raise CheckFailure(
        f"roc_auc(y=[1, 1, 1], ...) returned {show(got)}; AUC is undefined with one class. "
        "Raise ValueError when there are no positives or no negatives."
    )


def check_reliability_bins_edges(learner, reference, variants):
    """reliability_bins matches calibration_curve, edge probabilities in the lower bin."""
    y, p = BINS_Y, BINS_P
    expected = reference.call(MODULE, "reliability_bins", y, p, n_bins=5)
    got = learner.call(MODULE, "reliability_bins", y, p, n_bins=5)
    got_parts = _three_parts(got, "reliability_bins")
    found = variants.reliability_variants(y, p, 5)
    for index, name in enumerate(("prob_true", "prob_pred", "counts")):
        expect_close(
            got_parts[index],
            expected[index],
            what=f"reliability_bins(y, p={p.tolist()}, n_bins=5): {name}",
            variants={key: value[index] for key, value in found.items()},
            fix="Edges are linspace(0, 1, n_bins + 1); p on an inner edge goes to the lower "
            "bin ([0, 0.2], (0.2, 0.4], ...); keep only the non-empty bins.",
        )


def check_expected_calibration_error(learner, reference, variants):
    """expected_calibration_error weights each bin's gap by its share of tickets."""
    y, p = ECE_Y, ECE_P
    bins = variants.reliability_variants(y, p, 4)
    wrong = {
        "M15": variants.ece_from_bins(
            reference.call(MODULE, "reliability_bins", y, p, 4), weighted=False
        )
    }
    wrong.update({key: variants.ece_from_bins(value) for key, value in bins.items()})
    expect_close(
        learner.call(MODULE, "expected_calibration_error", y, p, n_bins=4),
        reference.call(MODULE, "expected_calibration_error", y, p, n_bins=4),
        what=f"expected_calibration_error(y, p={p.tolist()}, n_bins=4)",
        variants=wrong,
        fix="Sum over the non-empty bins of (count / n) * |mean p - mean y|.",
    )


def _three_parts(value, what: str) -> list:
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        raise CheckFailure(
            f"{what} should return three arrays (prob_true, prob_pred, counts), got {show(value)}."
        )
    return list(value)


blame_in_module(globals())
