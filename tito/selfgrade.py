"""Points per graded cell for a student's own notebook: nbgrader autograde in a throw-away course dir.

The graded cells are the ones in the student's notebook (visible tests, plus hidden tests when the notebook
is the instructor's source); the real grade comes from the instructor's `tito grade autograde`."""
import tempfile
from pathlib import Path

from tito import autograde, grading, notebooks
from tito.paths import Module, notebook_name

STUDENT = "me"


def grade_module(module: Module) -> list:
    """Autograde the module's graded notebooks as they are now; returns grading.scores() rows (one per notebook)."""
    import nbformat

    grading.prepare_env(module.root)
    with tempfile.TemporaryDirectory(prefix="tito-selfgrade-") as tmp:
        course = Path(tmp)
        for stem in module.graded_notebooks():
            nb = notebooks.read_ipynb(module.folder / f"{stem}.ipynb")
            nb.metadata.pop("jupytext", None)
            name = f"{notebook_name(stem)}.ipynb"
            for folder in (course / "source" / module.key, course / "submitted" / STUDENT / module.key):
                folder.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, str(folder / name))
        grading.generate(course, module.key)
        result = autograde.autograde_one(str(course), module.key, STUDENT)
        if not result["ok"]:
            from tito.errors import TitoError

            raise TitoError(f"autograding your notebook failed:\n{result['message']}")
        from tito import output

        for note in result["notes"]:
            output.warn(note)
        return grading.scores(course, module.key, [STUDENT])
