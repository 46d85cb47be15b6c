"""Datasets: generate reproducible variants, validate, describe, and anonymize authors' data."""
