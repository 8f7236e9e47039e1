"""The benchmark suite: ``python -m desktop_app.bench [--json] [--only NAME]``.

Each scenario module holds plain functions named ``bench_*`` that return ``(metric, value, unit)`` tuples.
Figures are for reports and the README, never assertions: this machine is noisy, so compare ratios
measured in one run.
"""
