"""A bench-only site for `bench/intake.py`: the product plus a one-INSERT baseline view.

Never part of the production URLs: gunicorn loads it only when the benchmark sets
DJANGO_SETTINGS_MODULE=bench.intake_site.settings.
"""
