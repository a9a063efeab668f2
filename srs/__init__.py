"""srs: spaced repetition and auto-graded quizzes for a week of deep learning."""

__version__ = "0.1.0"
