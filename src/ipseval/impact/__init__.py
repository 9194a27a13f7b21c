"""Service impact: models of job entry with controls, dose-response, survival, areas, comparison.

Every analysis returns an :class:`ImpactResult` whose ``.table`` has the same core columns.
"""

from .result import CORE_COLUMNS, AnalysisError, ImpactResult

__all__ = ["CORE_COLUMNS", "AnalysisError", "ImpactResult"]
