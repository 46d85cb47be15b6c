"""Answers to a case's tasks: how a value travels, how it is compared, and the answer keys.

This package sits below the verbs. A learner's kernel uses only :mod:`dxcase.answers.channel`
(to turn a value into its JSON form and export it); everything else (comparison, mistake rules,
the keys) runs on the trusted side: the grader, ``dxcase author validate``, ``dxcase batch``
and the hub's checker service.
"""
