"""Exercise 1: sigmoid, log-loss and the gradient, worked by hand.

Work each number with pen, paper and a calculator (chapter sections "The sigmoid",
"Log-loss" and "The gradient"), then replace each `...` by a number or a list of numbers.
Answers within 0.002 of the exact value earn the point. You may check yourself with
logistic_scratch once it works, but do the arithmetic first: that is the exercise.

The eight tickets, features (length in hundreds of tokens, frustration 0-10) and label:

    T1 [1.0, 1.0] 0    T2 [1.5, 2.0] 0    T3 [2.0, 3.0] 0    T4 [3.5, 6.0] 1
    T5 [4.0, 7.0] 1    T6 [4.5, 5.0] 1    T7 [2.8, 4.0] 0    T8 [3.2, 8.0] 1

Each row of X starts with a 1 for the intercept: T4's row is [1, 3.5, 6.0].
"""

# sigma(z) = 1 / (1 + exp(-z)) at five points.
SIGMOID_AT = {
    -4.0: 0.017986,  # SOLUTION
    -1.0: 0.268941,  # SOLUTION
    0.0: 0.5,  # SOLUTION
    1.0: 0.731059,  # SOLUTION
    4.0: 0.982014,  # SOLUTION
}

# Log-loss of T4 (y = 1) when the model says p = 0.5, and when it says p = 0.82.
T4_LOSS_AT_P_HALF = 0.693147  # SOLUTION
T4_LOSS_AT_P_082 = 0.198451  # SOLUTION

# The gradient (p - y) * x for T4 alone at w = [0, 0, 0]: three numbers [g0, g1, g2].
T4_GRADIENT_AT_ZERO = [-0.5, -1.75, -3.0]  # SOLUTION

# Three rows, T1, T4 and T7, at a given w.
THREE_ROW_W = [-4.0, 1.0, 0.5]
# z = x . w for each of the three rows.
THREE_ROW_Z = [-2.5, 2.5, 0.8]  # SOLUTION
# p = sigma(z) for each of the three rows.
THREE_ROW_P = [0.075858, 0.924142, 0.689974]  # SOLUTION
# Their mean log-loss (one number).
THREE_ROW_LOSS = 0.442960  # SOLUTION
# Their mean gradient (1/3) * sum((p - y) * x): three numbers.
THREE_ROW_GRADIENT = [0.229991, 0.580761, 0.793536]  # SOLUTION

# The gradient over all eight tickets at w = [0, 0, 0] (chapter "Try it yourself" 1).
FIRST_BATCH_GRADIENT = [0.0, -0.49375, -1.0]  # SOLUTION

# w after one gradient-descent step of lr = 0.5 from w = [0, 0, 0].
W_AFTER_FIRST_STEP = [0.0, 0.246875, 0.5]  # SOLUTION
