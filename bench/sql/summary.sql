-- bench/sql/summary.sql — the targets of issue 9 as a Markdown table (bench/out/summary.md),
-- the form README's "Performance" section quotes: per target and size, the clinnova time, the
-- baseline's time, the ratio (or the rate, for XGBoost scoring) and whether the target is met.
\pset format unaligned
\pset tuples_only on
WITH r AS (SELECT row_number() OVER () AS ord, * FROM bench.report()),
subj AS (
  SELECT DISTINCT ON (case_name, size) case_name, size, variant, median_ms
  FROM r WHERE variant IN ('clinnova', 'clinnova index', 'federated')
  ORDER BY case_name, size, variant)
SELECT '| target | size | clinnova | baseline | result | |' || E'\n' ||
       '| --- | --- | ---: | --- | ---: | --- |' || E'\n' ||
       string_agg(format('| %s | %s | %s ms | %s: %s ms | %s | %s |',
                         regexp_replace(r.target, ': [0-9]+ rows/s$', ''), r.size,
                         to_char(s.median_ms, 'FM999999990.0'), r.variant,
                         to_char(r.median_ms, 'FM999999990.0'),
                         CASE WHEN r.target LIKE '%rows/s%'
                              THEN to_char(r.n_rows / ((s.median_ms - r.median_ms) / 1000) / 1e6, 'FM990.00') || 'M rows/s'
                              ELSE '**' || to_char(r.ratio, 'FM99990.00') || 'x**' END,
                         CASE WHEN r.met THEN 'met' ELSE '**missed**' END),
                  E'\n' ORDER BY r.ord)
FROM r JOIN subj s USING (case_name, size)
WHERE r.target IS NOT NULL AND r.met IS NOT NULL;
