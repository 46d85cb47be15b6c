"""What a generator receives and returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dxcase.data import keys


@dataclass(frozen=True)
class GenerationContext:
    """Everything a generator may depend on; the output is a pure function of it (and the key)."""

    dataset: str
    version: str
    seed: int
    scale: float
    params: dict[str, Any]
    key: keys.CohortKey

    def _name(self, purpose: str) -> tuple[Any, ...]:
        return (self.dataset, self.version, self.seed, self.scale, self.params, purpose)

    def rng(self, purpose: str) -> np.random.Generator:
        """A public stream: reproducible from (version, parameters, seed)."""
        return keys.public_rng(*self._name(purpose))

    def secret_rng(self, purpose: str) -> np.random.Generator:
        """A holdout stream: reproducible only with the cohort key."""
        return keys.secret_rng(self.key, *self._name(purpose))


@dataclass
class GeneratedTables:
    """Tables by Data Package resource name: for learners, and holdout truth."""

    learner: dict[str, pd.DataFrame] = field(default_factory=dict)
    holdout: dict[str, pd.DataFrame] = field(default_factory=dict)
