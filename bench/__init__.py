"""`make bench`: a deterministic large city (bench.city), page timings and query counts
(bench.measure), the street dashboard's throughput against a minimal view (bench.throughput), and
the run that builds both sizes and prints the table (bench.run). See bench/README.md."""

# Bump whenever bench.city would generate different data: a database built by another version
# is rebuilt instead of reused.
GENERATOR_VERSION = "2026.11.25-3"
SEED = 20261125
