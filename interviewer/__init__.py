"""interviewer: an offline-first mock interviewer for ML-engineer interviews."""

__version__ = "0.1.0"
