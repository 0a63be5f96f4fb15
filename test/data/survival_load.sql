-- test/data/survival_load.sql — load the survival module's datasets into session tables.
-- \i from pg_regress tests of the survival module (after test/lib/regress_helpers.sql).
-- Column names follow R's with dots replaced by underscores.
\set QUIET on
CREATE TEMP TABLE lung (inst int, time float8, status int, age float8, sex int, ph_ecog int,
                        ph_karno int, pat_karno int, meal_cal int, wt_loss int);
\copy lung FROM 'test/data/lung.csv' WITH (FORMAT csv, HEADER)
CREATE TEMP TABLE veteran (trt int, celltype text, time float8, status int, karno int,
                           diagtime int, age int, prior int);
\copy veteran FROM 'test/data/veteran.csv' WITH (FORMAT csv, HEADER)
CREATE TEMP TABLE ovarian (futime float8, fustat int, age float8, resid_ds int, rx int, ecog_ps int);
\copy ovarian FROM 'test/data/ovarian.csv' WITH (FORMAT csv, HEADER)
CREATE TEMP TABLE mgus2 (id int, age int, sex text, dxyr int, hgb float8, creat float8,
                         mspike float8, ptime float8, pstat int, futime float8, death int,
                         etime float8, event text);
\copy mgus2 FROM 'test/data/mgus2.csv' WITH (FORMAT csv, HEADER)
-- synthetic data of survival_gen.R: ties, weights, entry times, three causes
CREATE TEMP TABLE ties (id int, grp text, stratum text, time float8, status int, cause int,
                        w float8, wi int, entry float8);
\copy ties FROM 'test/data/survival_ties.csv' WITH (FORMAT csv, HEADER)
-- survival::heart, (start, stop] rows
CREATE TEMP TABLE heart (id int, start float8, stop float8, event int, transplant int);
\copy heart FROM 'test/data/survival_heart.csv' WITH (FORMAT csv, HEADER)
\set QUIET off
