"""Statistics over seeds: mean and 95 % t-interval, and the paired comparison sentence the lesson prints."""

import numpy as np
from scipy import stats


def mean_ci(values, confidence=0.95):
    """(mean, half-width of the two-sided t-interval); the half-width is nan for a single value."""
    v = np.asarray(values, dtype=np.float64)
    if v.size < 2:
        return float(v.mean()), float("nan")
    sem = v.std(ddof=1) / np.sqrt(v.size)
    return float(v.mean()), float(stats.t.ppf(0.5 + confidence / 2, v.size - 1) * sem)


def ci(values):
    """'M ± C': the mean and the 95 % t-interval half-width with 4 decimals ('nan' for a single value)."""
    m, c = mean_ci(values)
    return f"{m:.4f} ± {c:.4f}"


def compare(candidate, reference, tolerance=0.01):
    """One sentence on the paired per-seed difference candidate - reference (same seeds, same order): its
    mean and t-interval, "within noise" when the interval includes 0 and, unless tolerance is None, whether
    the interval lies above -tolerance (the target holds), below it (fails) or straddles it (undecided)."""
    d, c = mean_ci(np.asarray(candidate) - np.asarray(reference))
    if np.isnan(c):
        return f"difference {d:+.4f} from one seed: no interval, so no claim"
    if d - c <= 0 <= d + c:
        noise = "within noise, no winner"
    else:
        noise = f"{'above' if d > 0 else 'below'} the noise"
    text = f"difference {d:+.4f} ± {c:.4f}: {noise}"
    if tolerance is None:
        return text
    if d - c >= -tolerance:
        return f"{text}; the target (at most {tolerance:g} below) holds"
    if d + c < -tolerance:
        return f"{text}; the target (at most {tolerance:g} below) fails"
    return f"{text}; the interval straddles -{tolerance:g}: the target is undecided"
