"""Benchmarks: `python -m bench.run` (make bench); synthetic coding sheets in bench.corpus."""
