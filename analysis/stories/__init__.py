"""Chapter logic: one module per book chapter, returning chart-ready frames and sentences built from data.

Book pages call these functions and analysis.charts; they hold no data wrangling themselves.
"""
