"""Batch rubric evals: the production grader and interviewer measured against labelled data."""
