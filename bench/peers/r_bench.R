# bench/peers/r_bench.R — R peers of the benchmark: survival::survfit, survdiff, Aalen-Johansen
# survfit, coxph, coxph.fit (the fitting engine alone) and glm, timed inside R on in-memory data.
#
#   Rscript bench/peers/r_bench.R CSV SIZE N_ROWS RUNS CASES
#
# CSV holds the benchmark table (header: time,event,grp,cause[,y,x1..x10]); CASES is a comma list
# of km, logrank, cif, coxph, logreg.  Each case runs once to warm up, then RUNS times
# (system.time, which runs the garbage collector first); a case slower than a minute runs once.  Output: SQL calls of bench.store() on
# stdout, one per measurement, including the time R needs to read the CSV ("R read CSV").
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 5) stop("usage: r_bench.R CSV SIZE N_ROWS RUNS CASES")
csv <- args[1]; size <- args[2]; n_rows <- args[3]; runs <- as.integer(args[4])
cases <- strsplit(args[5], ",")[[1]]
suppressMessages(library(survival))

# Print one measurement as a bench.store() call.
emit <- function(case, variant, ms, note = NULL) {
  cat(sprintf("SELECT bench.store('%s', '%s', %s, '%s', '{%s}', %s);\n", case, size, n_rows, variant,
              paste(sprintf("%.3f", ms), collapse = ","),
              if (is.null(note)) "NULL" else sprintf("'%s'", gsub("'", "''", note))))
}

# Milliseconds of RUNS evaluations of f() after one warm-up call.  A call slower than a minute
# is not repeated: the warm-up call is then the only measurement.
time_runs <- function(f) {
  warm <- system.time(f())[["elapsed"]] * 1000
  if (warm > 60000) return(warm)
  vapply(seq_len(runs), function(i) system.time(f())[["elapsed"]] * 1000, numeric(1))
}

header <- names(read.csv(csv, nrows = 1))
classes <- ifelse(header == "grp", "character", "numeric")
read_ms <- system.time(d <- read.csv(csv, colClasses = classes))[["elapsed"]] * 1000
emit("export", "R read CSV", read_ms, sprintf("%d columns", length(header)))
d$event <- d$event == 1
d$fcause <- factor(d$cause, levels = 0:2)
xs <- paste0("x", 1:10)

if ("km" %in% cases)
  emit("km", "R survfit", time_runs(function() survfit(Surv(time, event) ~ 1, data = d)))
if ("logrank" %in% cases)
  emit("logrank", "R survdiff", time_runs(function() survdiff(Surv(time, event) ~ grp, data = d)))
if ("cif" %in% cases)
  emit("cif", "R survfit (Aalen-Johansen)", time_runs(function() survfit(Surv(time, fcause) ~ 1, data = d)))
if ("coxph" %in% cases) {
  f <- as.formula(paste("Surv(time, event) ~", paste(xs, collapse = " + ")))
  emit("coxph", "R coxph", time_runs(function() coxph(f, data = d, ties = "efron")))
  X <- as.matrix(d[, xs])
  Y <- Surv(d$time, d$event)
  emit("coxph", "R coxph.fit", time_runs(function()
    coxph.fit(X, Y, strata = NULL, offset = NULL, init = NULL, control = coxph.control(),
              weights = NULL, method = "efron", rownames = NULL, resid = FALSE)),
    "the fitting engine alone, without model frame and summaries")
}
if ("logreg" %in% cases) {
  f <- as.formula(paste("y ~", paste(xs, collapse = " + ")))
  d$y <- d$y == 1
  emit("logreg", "R glm", time_runs(function() glm(f, family = binomial, data = d)))
}
