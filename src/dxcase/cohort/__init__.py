"""``dxcase cohort``: a facilitator's view of a whole cohort of one case, in one HTML report.

:mod:`events` reads the learners' self-check logs (who is stuck where), :mod:`grades` combines
the gradebook's autograded, holdout and peer-review points with the case's weights,
:mod:`items` does the item analysis for authors, :mod:`report` writes the page, and
:mod:`simulate` and :mod:`demo` make a simulated cohort for ``dxcase demo``.
"""
