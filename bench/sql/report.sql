-- bench/sql/report.sql — the benchmark table as text (bench/out/results.txt).
\pset border 2
\pset null ''
SELECT case_name AS "case", size, variant,
       CASE WHEN runs > 0 THEN to_char(median_ms, 'FM999999990.0') END AS "median ms",
       CASE WHEN runs > 0 THEN to_char(min_ms, 'FM999999990.0') || ' .. ' || to_char(max_ms, 'FM999999990.0') END AS "min .. max",
       CASE WHEN rows_per_s >= 1e6 THEN to_char(rows_per_s / 1e6, 'FM99990.0') || ' M/s'
            WHEN rows_per_s > 0 THEN to_char(rows_per_s / 1e3, 'FM99990.0') || ' k/s' END AS "rows/s",
       CASE WHEN ratio IS NOT NULL THEN to_char(ratio, 'FM99990.00') || 'x' END AS "clinnova / this",
       CASE WHEN met THEN 'met: ' WHEN NOT met THEN 'MISSED: ' ELSE '' END || coalesce(target, '') AS target,
       CASE WHEN runs = 0 THEN note ELSE coalesce(note, '') END AS note
FROM bench.report();

SELECT EXISTS (SELECT 1 FROM bench.storage) AS has_storage \gset
\if :has_storage
\echo
\echo 'Storage of codes (clinnova.code vs text)'
SELECT size, object, pg_size_pretty(bytes) AS size_on_disk, note
FROM bench.storage ORDER BY (SELECT max(n_rows) FROM bench.results r WHERE r.size = storage.size), object;
\endif
