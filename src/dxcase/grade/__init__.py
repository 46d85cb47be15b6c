"""Grading: holdout scoring through graders/<case> (cohort autograding builds on it)."""
