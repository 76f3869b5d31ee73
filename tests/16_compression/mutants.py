"""Wrong implementations that students really write, and correct ones written in other ways, for
test_grading_catches_mutants.py.

MUTANTS: {name: (solution grade id, change, claims lost)}. The change is either (old, new) text patches
inside that function's solution regions, or a whole replacement of its first region (a str). Claims lost:
the suffixes of the grade ids the judge must fail (exactly those, all in the task's own claims), e.g.
"count ties" for test-magnitude-count and test-magnitude-ties.
CONTROLS: {name: (solution grade id, change)}, correct code that must keep full marks."""

from controls import CONTROLS
from mutants_pruning import MUTANTS as PRUNING
from mutants_training import MUTANTS as TRAINING

MUTANTS = {**PRUNING, **TRAINING}
__all__ = ["CONTROLS", "MUTANTS"]
