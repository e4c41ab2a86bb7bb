"""The kit's ticket data: the chapter's eight tickets and a generated "ticket queue".

The eight tickets are the contract's, written out verbatim. They are linearly separable,
so every threshold ties at F1 = 1 and AUC is 1: nothing to sweep, nothing to calibrate.
The ticket queue is a few hundred tickets with the same two features whose classes
overlap and whose escalations are a minority, drawn from a known logistic model. On it a
threshold sweep, a cost analysis and a reliability diagram have something to show.

Reproducibility: the generator draws nothing but uniforms, ``Generator.random``, from
``np.random.default_rng(seed)`` and turns them into normals (Box-Muller) and labels
itself, so the same seed gives the same queue whatever NumPy does to its other samplers
between versions. Every feature is rounded (to 0.1 or 0.5), which absorbs the last-digit
differences that ``log``, ``cos`` or ``exp`` may show between platforms.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grader.chapter import EIGHT_X_RAW, EIGHT_Y  # the contract's eight tickets

# --- The ticket queue's generator ------------------------------------------------------
# Each constant is chosen so that the shipped queue shows what the chapter's eight tickets
# cannot: classes that overlap (AUC well below 1), a minority of escalations, and a model
# whose best-F1 threshold and cost-optimal threshold are not the same.

#: The seed of the shipped queue. Changing it changes solutions/data/ticket_queue.csv,
#: the visible checks' data and the chapter notes (`python -m grader build` rewrites them).
QUEUE_SEED = 20240611
#: A few hundred tickets: enough for a 10-bin reliability table with filled bins, small
#: enough to read in a spreadsheet.
QUEUE_SIZE = 400
#: Length in hundreds of tokens is log-normal (most tickets are short, a few are long):
#: median 2.2 (about 220 tokens), spread 0.55 on the log scale, clipped to the chapter's
#: range; about 1 % of tickets reach the clip at 8.0.
LENGTH_LOG_MEDIAN = float(np.log(2.2))
LENGTH_LOG_SPREAD = 0.55
LENGTH_RANGE = (0.3, 8.0)
#: Frustration (0-10, half points, as an agent scores it) rises a little with length,
#: so the two features are mildly correlated, as in the eight tickets.
FRUSTRATION_MEAN = 3.6
FRUSTRATION_PER_LENGTH = 0.35
FRUSTRATION_SPREAD = 1.9
FRUSTRATION_RANGE = (0.0, 10.0)
#: The true model: logit = intercept + w_length * length + w_frustration * frustration
#: + noise. The weights have the signs and roughly the ratio of the chapter model; they
#: are small enough that the classes overlap (a fitted model's AUC is about 0.85). The
#: intercept sets the prevalence: -6.1 gives about 20 % escalated on these features (the
#: shipped seed: 17 %, AUC 0.84, best-F1 threshold 0.45, cost-optimal threshold 0.15).
QUEUE_INTERCEPT = -6.1
QUEUE_WEIGHTS = (0.55, 0.7)
#: Noise on the true logit (standard deviation): what the two features do not capture
#: (the customer's plan, the time of day). The model fitted on the two features alone is
#: then a little off the truth, so its reliability table is not flat by construction.
LOGIT_NOISE = 0.6


def _normal_pairs(u1: np.ndarray, u2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two independent standard normals per pair of uniforms on [0, 1) (Box-Muller)."""
    radius = np.sqrt(-2.0 * np.log1p(-u1))  # 1 - u1 lies in (0, 1]: log is finite
    angle = 2.0 * np.pi * u2
    return radius * np.cos(angle), radius * np.sin(angle)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def make_ticket_queue(
    n: int = QUEUE_SIZE,
    seed: int = QUEUE_SEED,
    intercept: float = QUEUE_INTERCEPT,
    weights: tuple[float, float] = QUEUE_WEIGHTS,
    logit_noise: float = LOGIT_NOISE,
    frustration_step: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """A support-ticket queue: (X_raw, y), X_raw float (n, 2), y int (n,).

    Columns of X_raw: length in hundreds of tokens (log-normal, clipped to 0.3-8.0,
    rounded to 0.1) and frustration on 0-10 (normal around a mean that rises with length,
    clipped, rounded to `frustration_step`). Each label is drawn from the logistic model
    sigmoid(intercept + weights . x + noise), noise normal with sd `logit_noise`; raise
    `intercept` for more escalations, lower it for fewer.

    The same arguments always give the same queue: the draws are uniforms only, five per
    ticket in a fixed order, so the first k tickets of a queue do not depend on n.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    u = np.random.default_rng(seed).random((n, 5))
    z_length, z_frustration = _normal_pairs(u[:, 0], u[:, 1])
    z_noise, _ = _normal_pairs(u[:, 2], u[:, 3])

    length = np.exp(LENGTH_LOG_MEDIAN + LENGTH_LOG_SPREAD * z_length)
    length = np.round(np.clip(length, *LENGTH_RANGE), 1)
    frustration = (
        FRUSTRATION_MEAN
        + FRUSTRATION_PER_LENGTH * (length - np.exp(LENGTH_LOG_MEDIAN))
        + FRUSTRATION_SPREAD * z_frustration
    )
    frustration = np.clip(
        np.round(frustration / frustration_step) * frustration_step, *FRUSTRATION_RANGE
    )
    frustration = np.round(frustration, 1) + 0.0  # 3.5000000000000004 -> 3.5, -0.0 -> 0.0

    logit = intercept + weights[0] * length + weights[1] * frustration + logit_noise * z_noise
    y = (u[:, 4] < _sigmoid(logit)).astype(int)
    return np.column_stack([length, frustration]), y


def eight_tickets() -> tuple[np.ndarray, np.ndarray]:
    """The contract's eight tickets as fresh arrays (X_raw float (8, 2), y int (8,))."""
    return np.array(EIGHT_X_RAW, dtype=float), np.array(EIGHT_Y, dtype=int)


def tickets_csv(X_raw: np.ndarray, y: np.ndarray, ids: list[str]) -> str:
    """The CSV text of a ticket table: ticket,length,frustration,escalated; '\\n' endings."""
    lines = ["ticket,length,frustration,escalated"]
    for ticket, (length, frustration), label in zip(ids, X_raw, y, strict=True):
        lines.append(f"{ticket},{length:.1f},{frustration:.1f},{int(label)}")
    return "\n".join(lines) + "\n"


def queue_ids(n: int) -> list[str]:
    """Q001, Q002, ... (wider when n needs more digits)."""
    width = max(3, len(str(n)))
    return [f"Q{i:0{width}d}" for i in range(1, n + 1)]


#: The shipped files, as tickets.py reads them.
EIGHT_TICKETS_CSV = "eight_tickets.csv"
TICKET_QUEUE_CSV = "ticket_queue.csv"


def write_shipped_data(data_dir: Path) -> list[Path]:
    """Write eight_tickets.csv and ticket_queue.csv into data_dir; return their paths.

    The text is the same on every run and platform (fixed formats, '\\n' line endings),
    so `python -m grader build --check` can compare bytes.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    X8, y8 = eight_tickets()
    Xq, yq = make_ticket_queue()
    contents = {
        EIGHT_TICKETS_CSV: tickets_csv(X8, y8, [f"T{i}" for i in range(1, len(y8) + 1)]),
        TICKET_QUEUE_CSV: tickets_csv(Xq, yq, queue_ids(len(yq))),
    }
    written = []
    for name, text in contents.items():
        path = data_dir / name
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written
