"""Case authoring: scaffold a case, build its student release through nbgrader, validate it."""
