"""Benchmarks for tenantlead (issue 7): fleet-scale throughput, bulk writes, overhead, memory, sandbox capacity.

Run with ``make bench`` (``python -m bench [--scale tiny|full] [--only SCENARIO]``). Each scenario
writes ``bench/results/<scenario>.json`` and the run regenerates ``bench/RESULTS.md``. The
loopback runs use the sandbox server with a fixed *real* latency added per request and a
sandbox clock that follows wall time (see :mod:`bench._loopback`).
"""
