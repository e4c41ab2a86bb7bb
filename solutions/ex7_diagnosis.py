"""Exercise 7: diagnose failure modes. One letter per question (chapter "Diagnosis").

Q1. AUC 0.91 and ECE 0.22 on held-out tickets.
    A) the ranking is poor  B) the probabilities are over- or under-confident: recalibrate
    before showing them  C) the threshold is too low  D) the learning rate is too high
Q2. On imbalanced tickets, F1 at 0.5 is mediocre but recall at 0.3 is excellent.
    A) the model is useless  B) recalibrate  C) choose the operating point from the ROC and
    the costs, not the default 0.5  D) add an intercept
Q3. A missed urgent ticket costs $120, a false alarm $18. Compared with the F1-best
    threshold, the cost-optimal one is usually
    A) higher  B) lower  C) the same  D) always 0.5
Q4. Your NumPy weights differ from scikit-learn's by more than 0.3. Check first:
    A) the learning rate  B) the intercept column and the regularization on identical X
    C) the threshold  D) the ECE
Q5. The loss falls, then jumps up and swings.
    A) too many epochs  B) a learning rate too large for the curvature  C) flipped labels
    D) a high ECE
Q6. A model gives 0.3 to every urgent ticket; at threshold 0.5 its recall is
    A) 1  B) 0.5  C) 0  D) 0.3
Q7. ECE measures
    A) ranking quality  B) the gap between predicted probability and observed frequency,
    weighted by bin size  C) F1 at the best threshold  D) the area under the reliability
    diagram
Q8. Accuracy 0.95 on a queue where 5% of tickets escalate. The model may be
    A) excellent  B) predicting 0 for every ticket  C) only miscalibrated  D) only overfit
"""

ANSWERS = {
    "Q1": "B",  # SOLUTION
    "Q2": "C",  # SOLUTION
    "Q3": "B",  # SOLUTION
    "Q4": "B",  # SOLUTION
    "Q5": "B",  # SOLUTION
    "Q6": "C",  # SOLUTION
    "Q7": "B",  # SOLUTION
    "Q8": "B",  # SOLUTION
}
