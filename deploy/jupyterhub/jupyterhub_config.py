# JupyterHub configuration for one dxcase cohort on one machine (see README.md here).
#
# The cohort folder is made by `dxcase hub init COHORT ...` (as root) and named by the
# environment variable DXCASE_HUB_COHORT; `dxcase hub start COHORT` sets it and runs
#   jupyterhub -f deploy/jupyterhub/jupyterhub_config.py
# Everything cohort-specific (users, groups, ports, limits, paths) comes from COHORT/hub.json,
# the secrets from COHORT/hub/ (root only). Settings below this call override it.
import os

from dxcase.hub.cohort import load_cohort
from dxcase.hub.config import configure

c = get_config()  # noqa: F821  (provided by JupyterHub when it reads this file)
configure(c, load_cohort(os.environ["DXCASE_HUB_COHORT"]))
