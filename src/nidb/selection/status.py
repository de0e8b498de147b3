"""Verdict status codes and their Chinese labels."""

from __future__ import annotations

import numpy as np

PASS, FAIL, MISSING, REVIEW = 0, 1, 2, 3
#: overall verdict only: the applicant's province is suspended for this batch (Art. 25)
SUSPENDED = 4
#: a condition that does not apply to the applicant (another feature area)
NOT_APPLICABLE = -1

LABELS = {
    PASS: "通过", FAIL: "未通过", MISSING: "数据缺失", REVIEW: "待专家评审", NOT_APPLICABLE: "不适用",
    SUSPENDED: "暂停申报（第二十五条）",
}


def labels(codes: np.ndarray) -> np.ndarray:
    """Chinese labels for an array of status codes."""
    out = np.empty(codes.shape, dtype=object)
    for code, text in LABELS.items():
        out[codes == code] = text
    return out


def combine_all(statuses: list[np.ndarray]) -> np.ndarray:
    """AND of sub-verdicts: a failure fails; else missing data; else pending review; else pass."""
    s = np.stack(statuses)
    return np.select(
        [(s == FAIL).any(0), (s == MISSING).any(0), (s == REVIEW).any(0)], [FAIL, MISSING, REVIEW], PASS
    ).astype("int8")


def combine_any(statuses: list[np.ndarray]) -> np.ndarray:
    """OR of sub-verdicts: a pass passes; else missing data; else pending review; else fail."""
    s = np.stack(statuses)
    return np.select(
        [(s == PASS).any(0), (s == MISSING).any(0), (s == REVIEW).any(0)], [PASS, MISSING, REVIEW], FAIL
    ).astype("int8")
