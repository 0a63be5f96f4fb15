-- Basel's own harmonisation rule.  Basel codes nonspecific ulcerative proctitis as SNOMED CT
-- 67038005: ulcerative colitis limited to the rectum (ICD-10 K51.2).  The sample vocabulary that
-- ships with clinnova does not contain this concept, so the site's DBA adds it to the phenotypes
-- (rows added to clinnova.phenotype are the site's own: pg_dump keeps them).
SET search_path = public, clinnova;
INSERT INTO phenotype (phenotype, code, note) VALUES
  ('uc', 'SNOMED:67038005', 'Basel: nonspecific ulcerative proctitis (ICD-10 K51.2); not in the sample vocabulary'),
  ('ibd', 'SNOMED:67038005', 'Basel: nonspecific ulcerative proctitis (ICD-10 K51.2); not in the sample vocabulary');
\echo '                             site rule: SNOMED:67038005 (nonspecific ulcerative proctitis) added to the phenotypes uc and ibd'
