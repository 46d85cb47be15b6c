"""Peer review: rubrics, review rounds, reviewer assignment with leases, calibration,
robust aggregation, agreement and flags, the nbgrader gradebook bridge and a web service
that runs as a JupyterHub service (``dxcase review``; see docs/review.md)."""
