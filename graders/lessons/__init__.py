"""The business lesson each dataset must teach, measured on a generated variant.

These are the definitions the cases use for baselines, windows and metrics; tests assert that
the lesson holds on the default variant, and batch validation checks it on every variant.
"""
