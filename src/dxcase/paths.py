"""Where the project's folders are: datasets, case studies, rubrics, graders and deploy.

Each folder can be moved with an environment variable (a deployment puts graders/ and the
case sources where learners cannot read them); otherwise it is found beside the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

from dxcase.errors import DxcaseError

FOLDER_ENVS = {
    "datasets": "DXCASE_DATASETS",
    "casestudies": "DXCASE_CASES",
    "rubrics": "DXCASE_RUBRICS",
    "graders": "DXCASE_GRADERS",
    "deploy": "DXCASE_DEPLOY",
}


def content_root(folder: str) -> Path:
    """``$DXCASE_<FOLDER>`` if set, else the checkout's ``<folder>/`` next to pyproject.toml."""
    env = FOLDER_ENVS[folder]
    if os.environ.get(env):
        return Path(os.environ[env])
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / folder).is_dir() and (parent / "pyproject.toml").is_file():
            return parent / folder
    raise DxcaseError(f"cannot find the {folder}/ folder: set ${env}")
