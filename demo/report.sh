#!/usr/bin/env bash
# demo/report.sh OUT — assemble OUT/report.md from what demo/run kept in OUT: the outputs of its
# steps (OUT/steps/*.txt, exactly as printed) and the figures (OUT/*.svg).  It adds headings and
# explanations only: every number in the report is in a step output, computed by clinnova's
# functions during the run.
set -euo pipefail
out=${1:?usage: demo/report.sh OUT}
steps=$out/steps
report=$out/report.md

# block FILE: a step's output as a fenced block (missing output is an error: the run failed)
block() {
  [[ -s $steps/$1 ]] || { echo "report: $steps/$1 is missing" >&2; exit 1; }
  printf '```text\n'
  cat "$steps/$1"
  printf '```\n\n'
}

# figure FILE ALT: an SVG figure, linked relatively so that the folder can be moved
figure() {
  [[ -s $out/$1 ]] || { echo "report: $out/$1 is missing" >&2; exit 1; }
  printf '![%s](%s)\n\n' "$2" "$1"
}

{
  cat <<EOF
# clinnova demo: four hospitals, one question

Which drug, for which patient?  Four hospitals of the programme (Luxembourg, Grand Est,
Baden-Württemberg, Basel) each hold their own patients with inflammatory bowel disease,
rheumatoid arthritis or multiple sclerosis, coded their own way.  Each runs PostgreSQL with
clinnova; a coordinator reaches them through \`postgres_fdw\`.  Patient rows never leave a site:
the coordinator receives only aggregate states (risk tables, Newton steps) that the sites'
disclosure control lets out, and merges them.

The patients are synthetic (\`clinnova.synth_load\`, deterministic seeds), so that the demo can
ship and can check every federated answer against a pooled copy of all rows — a copy that could
not exist in a real network.  Everything below was printed by \`demo/run\` on $(date -u '+%Y-%m-%d at %H:%M UTC');
every number comes from clinnova's functions during that run.

## The network

Each site loads its cohort into OMOP-shaped tables in its own coding, harmonises the codes with
clinnova (code type, vocabulary maps, phenotypes, lab code maps), checks the result against the
generator's own truth, and publishes two analysis relations to a \`federation\` role that logs in
with a SCRAM password; clinnova's guard, preloaded at every site, lets that role run only
aggregate queries of the disclosure-safe aggregates (cells of at least 5 patients, times coarsened
to 30 days) and records each query in the site's audit table.

EOF
  block 0_load.txt
  block 0_harmonise.txt
  block 0_sites.txt

  cat <<'EOF'
## 1. Harmonised phenotype counts per site

The same disease, drug or lab value arrives in four codings.  After harmonisation at each site,
the coordinator counts patients per phenotype at every site through the federation.

EOF
  block 1_phenotypes.txt

  cat <<'EOF'
## 2. Federated Kaplan-Meier by drug class, with log-rank

How long does an advanced therapy keep working in IBD?  Each site returns one risk table per drug
class (`km()`, made disclosure-safe by the site); the coordinator merges them (`km_merge`) and
reads the curves (`km_table`, `median_survival`) and the log-rank test.  Check 1 rebuilds the
answer from a pooled copy of all rows passed through the same per-site disclosure rules:
identical.  Check 2 shows what disclosure control costs against exact days on all pooled rows.

EOF
  figure km_ibd_drug_class.svg "Kaplan-Meier curves of time on drug by drug class, with 95% confidence bands and numbers at risk"
  block 2_km.txt

  cat <<'EOF'
## 3. Site-stratified federated Cox model

Hazard ratios of a drug failing or being stopped, adjusted for patient characteristics, each site
a stratum with its own baseline hazard.  Per Newton step each site returns its log-likelihood,
score and information (p + p² + 1 numbers); the model equals `coxph()` on the pooled rows with
`strata = site`.

EOF
  figure km_ibd_by_site.svg "Kaplan-Meier curves of time on drug at each site"
  block 3_cox.txt

  cat <<'EOF'
## 4. A federated response model ranks drugs for one patient

A logistic model of response at one year, fitted across the sites by iteratively reweighted
least squares (each site returns X'WX, X'Wz and the deviance per iteration), equal to `logreg()`
on the pooled rows; registered in the model registry with the encoding of candidate drugs by ATC
code; then `rank_treatments` ranks the candidates for one patient, with 95% intervals from the
model's covariance.

EOF
  block 4_model.txt

  cat <<'EOF'
## 5. A disclosure attempt, refused, and the site's audit log

The coordinator's superuser is an ordinary federation role at the sites.  Reading rows, or a
count that singles out a patient, is refused by the site's guard; the site's DBA sees every
query in the audit table.

EOF
  block 5_disclosure.txt

  cat <<'EOF'
## Files

- `report.md` — this report
- `km_ibd_drug_class.svg`, `km_ibd_by_site.svg` — the figures, drawn by `clinnova.km_svg()`
- `steps/*.txt` — the output of each step, as printed
EOF
} >"$report"
