"""Where the project's folders are: datasets, case studies, rubrics, graders and deploy.

Each folder can be moved with an environment variable (a deployment puts graders/ and the
case sources where learners cannot read them); otherwise it is found beside the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

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


def load_content_module(folder: str, relative: str) -> ModuleType:
    """A Python file of a content folder (``graders/lessons/retail.py``), loaded by path.

    Trusted code that never ships in the learner runtime: holdout graders and the reference
    lessons live in ``graders/``, which only the trusted side can read.
    """
    import importlib.util
    import sys

    path = content_root(folder) / relative
    name = "dxcase_content." + relative.removesuffix(".py").replace("/", ".")
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None or not path.is_file():
        raise DxcaseError(f"{path}: not found")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
