"""Anonymize a company's CSV files into teaching data (``dxcase data anonymize``).

Modules, one job each: :mod:`config` (read and check anonymize.yaml), :mod:`pseudonymize`
(keyed pseudonyms and key-derived parameters), :mod:`transforms` (dates, scaling,
generalizing), :mod:`pii` (scan text for personal data), :mod:`table` (one file),
:mod:`leaks` (find original values), :mod:`risks`, :mod:`report`, :mod:`run` (orchestration)
and :mod:`cli`.
"""
