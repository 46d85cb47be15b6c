"""``dxcase batch``: papermill batch validation of case notebooks over dataset variants.

Every case notebook runs (through :func:`dxcase.kernels.run_notebook`, papermill's
parameterize) on every dataset variant of a matrix, in a worker pool or on a Dask cluster;
each notebook's key figures are read back from its outputs and the case's story conditions
are checked per variant; a CSV and an HTML report say what passed, how long it took and
whether the story still holds. See docs/batch.md.
"""

from dxcase.batch.engine import BatchResult, prepare_variants, run_batch
from dxcase.batch.matrix import Matrix, Variant, VariantGroup, expand
from dxcase.batch.story import FIGURES_MIME, check_story, evaluate, read_figures

__all__ = [
    "FIGURES_MIME",
    "BatchResult",
    "Matrix",
    "Variant",
    "VariantGroup",
    "check_story",
    "evaluate",
    "expand",
    "prepare_variants",
    "read_figures",
    "run_batch",
]
