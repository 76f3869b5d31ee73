"""The instructor's tables after autograde/report: scores per graded cell, and one line per problem."""

STATUS_HINT = "course/tito-autograde.json"


def one_line(text: str, width: int = 160) -> str:
    """A multi-line message as one line: its first non-empty line, clipped, with a count of the rest."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    if not lines:
        return ""
    head = lines[0] if len(lines[0]) <= width else lines[0][: width - 3] + "..."
    return head + (f" [+{len(lines) - 1} more lines in {STATUS_HINT}]" if len(lines) > 1 else "")


def print_problems(status: dict) -> None:
    """One line per student error or note (from autograde results or the saved status); details clipped."""
    from tito import output

    rows = []
    for student in sorted(status):
        entry = status[student]
        if entry.get("interrupted"):
            rows.append([student, "INTERRUPTED (not graded)", one_line(entry["message"])])
        elif entry.get("not_saved"):
            rows.append([student, "NOT SAVED (previous score kept)", one_line(entry["message"])])
        elif not entry["ok"]:
            rows.append([student, "ERROR (not graded, 0 points)", one_line(entry["message"])])
        rows += [[student, "note", one_line(note)] for note in entry["notes"]]
    if rows:
        output.table("Problems found while autograding", ["student", "status", "detail"], rows)


def print_scores(rows: list) -> None:
    """The per-cell table (`tito grade report --cells`): '-' for a manual answer not graded yet, and for the
    total while one is open."""
    from tito import output

    grade_ids = list(dict.fromkeys(c[0] for r in rows for c in r["grades"]))
    maxima = {c[0]: c[2] for r in rows for c in r["grades"]}
    manual = {c[0] for r in rows for c in r["grades"] if c[3] == "manual"}
    table = []
    for r in rows:
        scores = {c[0]: c[1] for c in r["grades"]}
        pending = any(c[1] is None for c in r["grades"])
        cells = ["-" if scores.get(g, 0) is None else f"{scores.get(g, 0):g}" for g in grade_ids]
        total = f"{'-' if pending else format(r['score'], 'g')}/{r['max_score']:g}"
        table.append([r["student"], r["notebook"], *cells, f"{r['auto_score']:g}/{r['auto_max']:g}", total])
    headers = [f"{g} /{maxima[g]:g}" + (" (manual)" if g in manual else "") for g in grade_ids]
    output.table("Scores", ["student", "notebook", *headers, "auto", "total"], table)
