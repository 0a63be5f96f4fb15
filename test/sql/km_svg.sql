-- clinnova.km_svg: Kaplan-Meier curves as an SVG document.  The document must be well-formed XML,
-- hold the expected elements (one curve, band, legend entry and risk-table row per group), draw the
-- curves at the survival of km_table and print the numbers at risk that the rows give.
\i test/lib/regress_helpers.sql
\i test/data/survival_load.sql
\set QUIET on
SET search_path = public, clinnova;
SET extra_float_digits = 0;

-- the curves: R's lung data by sex, and the veteran trial by cell type
CREATE TEMP TABLE curves AS
SELECT 'lung' AS data, CASE sex WHEN 1 THEN 'male' ELSE 'female' END AS label, sex AS ord,
       km("time", status = 2) AS curve
FROM lung GROUP BY sex
UNION ALL
SELECT 'veteran', celltype, rank() OVER (ORDER BY celltype), km("time", status = 1)
FROM veteran GROUP BY celltype;

-- pg_temp.svg(data, options): the figure of one data set; pg_temp.doc: it parsed as XML
CREATE FUNCTION pg_temp.svg(d text, options jsonb DEFAULT NULL, title text DEFAULT 'Survival') RETURNS text
LANGUAGE sql AS $$
  SELECT clinnova.km_svg(array_agg(curve ORDER BY ord), array_agg(label ORDER BY ord), title, options)
  FROM curves WHERE data = d
$$;
CREATE FUNCTION pg_temp.doc(svg text) RETURNS xml LANGUAGE sql AS $$ SELECT xmlparse(DOCUMENT svg) $$;
-- xpath in the SVG namespace, as text
CREATE FUNCTION pg_temp.x(path text, doc xml) RETURNS text[] LANGUAGE sql AS $$
  SELECT xpath(path, doc, ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']])::text[]
$$;
\set QUIET off

-- 1. a well-formed SVG document with the expected parts
CREATE TEMP TABLE fig AS
SELECT pg_temp.doc(pg_temp.svg('lung', '{"time_scale": 365.25, "x_label": "Years", "censor_marks": true}')) AS doc;
SELECT (pg_temp.x('name(/*)', doc))[1] AS root,
       (pg_temp.x('/s:svg/s:title/text()', doc))[1] AS title,
       cardinality(pg_temp.x('//s:path[@class="curve"]', doc)) AS curves,
       cardinality(pg_temp.x('//s:path[@class="band"]', doc)) AS bands,
       cardinality(pg_temp.x('//s:path[@class="censor"]', doc)) AS censor_marks,
       cardinality(pg_temp.x('//s:g[@class="legend-entry"]', doc)) AS legend_entries,
       pg_temp.x('//s:g[@class="legend-entry"]/s:text/text()', doc) AS legend,
       pg_temp.x('//s:text[@class="risk-label"]/text()', doc) AS risk_rows,
       pg_temp.x('//s:text[@class="xtick"]/text()', doc) AS x_ticks,
       pg_temp.x('//s:text[@class="ytick"]/text()', doc) AS y_ticks,
       pg_temp.x('//s:text[@class="axis-label"]/text()', doc) AS axis_labels
FROM fig;

-- 2. the numbers at risk at each tick are the people still followed at that time (time >= tick)
WITH printed AS (
  SELECT r.ordinality - 1 AS i, r.n::int AS n
  FROM fig, unnest(pg_temp.x('//s:text[@class="risk"]/text()', doc)) WITH ORDINALITY r(n, ordinality)
), ticks AS (
  SELECT t.k - 1 AS k, t.v::float8 * 365.25 AS at_time
  FROM fig, unnest(pg_temp.x('//s:text[@class="xtick"]/text()', doc)) WITH ORDINALITY t(v, k)
), expected AS (
  SELECT s.ord, t.k, (SELECT count(*) FROM lung l WHERE l.sex = s.ord AND l."time" >= t.at_time) AS n
  FROM (VALUES (1), (2)) s(ord), ticks t
)
SELECT e.ord AS sex, array_agg(p.n ORDER BY e.k) AS printed, array_agg(e.n ORDER BY e.k) AS expected,
       array_agg(p.n ORDER BY e.k) = array_agg(e.n::int ORDER BY e.k) AS same
FROM expected e JOIN printed p ON p.i = (e.ord - 1) * (SELECT count(*) FROM ticks) + e.k
GROUP BY e.ord ORDER BY e.ord;

-- 3. the curves are drawn at km_table's survival: read the y of every vertical step back on the
-- scale of the y grid (the lines at 0 and 1) and compare with km_table (0.01 units in 340)
WITH grid AS (
  SELECT max(y::float8) AS y_at_0, min(y::float8) AS y_at_1
  FROM fig, unnest(pg_temp.x('//s:line[@class="grid" and @x1!=@x2]/@y1', doc)) y
), drawn AS (
  SELECT c.k, m.ordinality AS step, (m.v[1])::float8 AS y
  FROM fig, unnest(pg_temp.x('//s:path[@class="curve"]/@d', doc)) WITH ORDINALITY c(d, k),
       regexp_matches(c.d, 'V([0-9.]+)', 'g') WITH ORDINALITY m(v, ordinality)
), truth AS (
  SELECT c.ord AS k, row_number() OVER (PARTITION BY c.ord ORDER BY t."time") AS step, t.surv
  FROM curves c, km_table(c.curve) t WHERE c.data = 'lung'
)
SELECT t.k AS curve, count(*) AS steps, count(d.step) AS drawn,
       bool_and(abs((g.y_at_0 - d.y) / (g.y_at_0 - g.y_at_1) - t.surv) < 1e-4) AS at_km_table_surv
FROM truth t CROSS JOIN grid g LEFT JOIN drawn d ON d.k = t.k AND d.step = t.step
GROUP BY t.k ORDER BY t.k;

-- the censoring marks: one per time with censorings
SELECT c.ord AS curve, (SELECT count(*) FROM km_table(c.curve) t WHERE t.n_censor > 0) AS times_with_censoring,
       (SELECT count(*) FROM regexp_matches((pg_temp.x('//s:path[@class="censor"]/@d', fig.doc))[c.ord], 'M', 'g')) AS marks
FROM curves c, fig WHERE c.data = 'lung' ORDER BY 1;

-- 4. options: no bands, no risk table, a cut at x_max (nothing is drawn right of the plot area),
-- the numbers at risk after the last time are 0
SELECT cardinality(pg_temp.x('//s:path[@class="band"]', d)) AS bands,
       cardinality(pg_temp.x('//s:g[@class="risk-table"]', d)) AS risk_tables,
       cardinality(pg_temp.x('//s:path[@class="curve"]', d)) AS curves
FROM (SELECT pg_temp.doc(pg_temp.svg('veteran', '{"bands": false, "risk_table": false}')) AS d) s;
WITH s AS (SELECT pg_temp.doc(pg_temp.svg('veteran', '{"x_max": 200, "x_step": 50}')) AS d),
right_edge AS (SELECT max(x::float8) AS x FROM s, unnest(pg_temp.x('//s:line[@class="grid" and @x1=@x2]/@x1', d)) x)
SELECT pg_temp.x('//s:text[@class="xtick"]/text()', d) AS x_ticks,
       (SELECT max(h[1]::float8) FROM unnest(pg_temp.x('//s:path[@class="curve"]/@d', d)) p,
               regexp_matches(p, 'H([0-9.]+)', 'g') h) <= (SELECT x FROM right_edge) AS inside_the_plot
FROM s;
SELECT pg_temp.x('//s:text[@class="risk"]/text()', d) AS numbers_at_risk
FROM (SELECT pg_temp.doc(pg_temp.svg('veteran', '{"x_max": 1200, "x_step": 400}')) AS d) s;

-- text is escaped; colours, labels, y range and subtitle as given; no labels: "curve k"
SELECT (pg_temp.x('/s:svg/s:title/text()', d))[1] AS title,
       pg_temp.x('//s:g[@class="legend-entry"]/s:text/text()', d) AS legend,
       pg_temp.x('//s:path[@class="curve"]/@stroke', d) AS colors,
       pg_temp.x('//s:text[@class="ytick"]/text()', d) AS y_ticks,
       pg_temp.x('//s:text[@class="subtitle"]/s:tspan/text()', d) AS subtitle
FROM (SELECT pg_temp.doc(km_svg(ARRAY[a.curve, b.curve], ARRAY['A & B <1>', 'it''s "quoted"'], 'Tom & Jerry <3>',
                                '{"colors": ["teal", "#ff0000"], "y_min": 0.5, "subtitle": "short"}')) AS d
      FROM curves a, curves b WHERE a.data = 'lung' AND a.ord = 1 AND b.data = 'lung' AND b.ord = 2) s;
SELECT pg_temp.x('//s:g[@class="legend-entry"]/s:text/text()', pg_temp.doc(km_svg(array_agg(curve ORDER BY ord)))) AS default_labels
FROM curves WHERE data = 'veteran';

-- a long subtitle wraps into lines of the figure's width; long legends flow into more rows
SELECT cardinality(pg_temp.x('//s:text[@class="subtitle"]/s:tspan', d)) AS subtitle_lines,
       (SELECT count(DISTINCT y) FROM unnest(pg_temp.x('//s:g[@class="legend-entry"]/s:rect/@y', d)) y) AS legend_rows
FROM (SELECT pg_temp.doc(pg_temp.svg('veteran', jsonb_build_object('width', 400, 'subtitle', repeat('words and more words ', 12)))) AS d) s;

-- the same arguments give the same document (IMMUTABLE), another option another one
SELECT md5(pg_temp.svg('lung')) = md5(pg_temp.svg('lung')) AS deterministic,
       md5(pg_temp.svg('lung')) <> md5(pg_temp.svg('lung', '{"conf_type": "log-log"}')) AS bands_follow_conf_type;

-- curves merged from parts (as from federated sites) draw the same figure as one curve of all rows
SELECT km_svg(ARRAY[(SELECT km_merge(c) FROM (SELECT km("time", status = 2) c FROM lung GROUP BY inst) s)], ARRAY['all'])
     = km_svg(ARRAY[(SELECT km("time", status = 2) FROM lung)], ARRAY['all']) AS merged_equals_pooled;

-- 5. NULLs and bad arguments (22023)
\set SHOW_CONTEXT never
SELECT km_svg(NULL) IS NULL AS null_curves_give_null;
SELECT km_svg('{}'::survfit[]);
SELECT km_svg(ARRAY[NULL::survfit]);
SELECT km_svg(array_agg(curve), ARRAY['one']) FROM curves WHERE data = 'lung';
SELECT km_svg(array_agg(curve), NULL, NULL, '{"colour": "red"}') FROM curves WHERE data = 'lung';
SELECT km_svg(array_agg(curve), NULL, NULL, '{"bands": "yes"}') FROM curves WHERE data = 'lung';
SELECT km_svg(array_agg(curve), NULL, NULL, '{"conf_type": "logit"}') FROM curves WHERE data = 'lung';
SELECT km_svg(array_agg(curve), NULL, NULL, '{"conf_level": 1}') FROM curves WHERE data = 'lung';
SELECT km_svg(array_agg(curve), NULL, NULL, '{"time_scale": 0}') FROM curves WHERE data = 'lung';
SELECT km_svg(array_agg(curve), NULL, NULL, '{"x_step": 1}') FROM curves WHERE data = 'lung';
SELECT km_svg(array_agg(curve), NULL, NULL, '{"y_min": 1}') FROM curves WHERE data = 'lung';
SELECT km_svg(array_agg(curve), NULL, NULL, '{"width": 100}') FROM curves WHERE data = 'lung';
SELECT km_svg(array_agg(curve), NULL, NULL, '{"colors": ["red\" onload=\"alert(1)"]}') FROM curves WHERE data = 'lung';
SELECT km_svg(array_agg(curve), NULL, NULL, '[1, 2]') FROM curves WHERE data = 'lung';
SELECT km_svg(ARRAY[ARRAY[curve]]) FROM curves WHERE data = 'lung' LIMIT 1;
