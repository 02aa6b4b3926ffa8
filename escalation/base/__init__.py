"""Foundations that every layer may use.

Foundations every layer may use: the library's error types, safe file reading and atomic
writing, seed normalisation and progress reporting.

This package imports nothing from the rest of :mod:`escalation`.
"""
