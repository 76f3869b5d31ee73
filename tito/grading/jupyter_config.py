"""JupyterLab settings of a student bundle, in <bundle>/.jupyter (read when JupyterLab runs with
JUPYTER_CONFIG_PATH=<bundle>/.jupyter, as the bundle's README says).

A student keeps nbgrader's Validate button (lab plugin validate-assignment and its server extension) and gets
none of nbgrader's instructor or exchange parts: no Formgrader, Create Assignment, Course List, Assignment
List (which fails without an exchange directory) and no nbgrader menu. Files written:
labconfig/page_config.json (disabled lab plugins) and jupyter_server_config.json (server extensions). Nothing
happens on import."""

import json
from pathlib import Path

LAB_PLUGINS_OFF = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:assignment-list",
    "@jupyter/nbgrader:menu",
)
LAB_PLUGIN_KEPT = "@jupyter/nbgrader:validate-assignment"
SERVER_EXTENSIONS = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.assignment_list": False,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.validate_assignment": True,
}


def write_student_config(jupyter_dir: Path) -> list:
    """Write the two files into jupyter_dir (created if needed); returns their paths."""
    jupyter_dir = Path(jupyter_dir)
    lab = jupyter_dir / "labconfig"
    lab.mkdir(parents=True, exist_ok=True)
    page = lab / "page_config.json"
    page.write_text(
        json.dumps({"disabledExtensions": dict.fromkeys(LAB_PLUGINS_OFF, True)}, indent=2) + "\n",
        encoding="utf-8",
    )
    server = jupyter_dir / "jupyter_server_config.json"
    server.write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": SERVER_EXTENSIONS}}, indent=2) + "\n",
        encoding="utf-8",
    )
    return [page, server]
