"""Benchmarks of issue 3 ("Speed"): a data generator and timed measurements.

Run with `make bench` or `python -m bench --help`. Figures go to bench/results/latest.json
(git-ignored); docs/performance.md records the ones measured on the reference machine.
"""
