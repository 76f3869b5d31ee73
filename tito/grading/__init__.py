"""tito's grading: nbgrader through its API (nbgrader_api), the sandbox (bwrap, sandbox), the trusted
judge (judge, judge_run, judge_apply), the workers and the course commits (autograde, worker, commit,
cluster, payload), the student bundle (release, bundle) and the instructor's reports."""
