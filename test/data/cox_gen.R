# cox_gen.R — reference answers for the cox module's tests beyond shared/reference (sections d
# and e): (start, stop] data with time-varying covariates, cluster() robust variance, strata
# with case weights, collinear and constant covariates (NA coefficients), monotone likelihood,
# cox.zph per term with factors and GLOBAL, one covariate, running out of iterations, heavy
# ties (tied events and censorings in long runs, repeated rows, integer case weights).
#
#   Rscript test/data/cox_gen.R        (from the repository root; R 4.2.2, survival 3.5-3)
#
# Writes test/data/cox_*.json and the data sets they need (cox_heart.csv, cox_monotone.csv,
# cox_ties.csv).
# Every float is printed with 17 significant digits, so the files hold R's doubles exactly.
suppressPackageStartupMessages(library(survival))
stopifnot(packageVersion("survival") == "3.5.3")
out <- "test/data"

# ---- a tiny JSON writer (no jsonlite on Debian's r-base-core) ----
num <- function(x) ifelse(is.na(x), "null",
                   ifelse(is.infinite(x), ifelse(x > 0, '"Infinity"', '"-Infinity"'),
                          sprintf("%.17g", x)))
str <- function(x) ifelse(is.na(x), "null", paste0('"', gsub('"', '\\\\"', x), '"'))
arr <- function(x) {
  x <- unname(x)
  if (is.character(x) || is.factor(x)) v <- str(as.character(x))
  else if (is.logical(x)) v <- ifelse(is.na(x), "null", ifelse(x, "true", "false"))
  else v <- num(as.numeric(x))
  paste0("[", paste(v, collapse = ", "), "]")
}
mat <- function(m) {
  m <- as.matrix(m)
  paste0("[", paste(apply(m, 1, arr), collapse = ", "), "]")
}
obj <- function(...) {
  l <- list(...)
  l <- l[!sapply(l, is.null)]
  paste0("{", paste0('"', names(l), '": ', unlist(l), collapse = ", "), "}")
}
write_json <- function(name, txt) writeLines(txt, file.path(out, paste0(name, ".json")))

# Evaluate an expression, collecting its warnings.
with_warnings <- function(expr) {
  ws <- character(0)
  val <- withCallingHandlers(expr, warning = function(w) {
    ws <<- c(ws, conditionMessage(w)); invokeRestart("muffleWarning")
  })
  list(value = val, warnings = ws)
}

# Everything the tests compare, from a coxph fit.
fit_json <- function(fit, warnings = character(0)) {
  s <- summary(fit)
  co <- fit$coefficients
  robust <- !is.null(fit$naive.var)
  naive <- if (robust) fit$naive.var else fit$var
  df <- sum(!is.na(co))
  lr <- 2 * (fit$loglik[2] - fit$loglik[1])
  cc <- fit$concordance
  obj(
    method = str(fit$method),
    n = num(fit$n), nevent = num(fit$nevent), iter = num(fit$iter),
    robust = arr(robust),
    terms = arr(names(co)),
    coef = arr(co),
    hr = arr(exp(co)),
    se = arr(sqrt(diag(naive))),
    robust_se = if (robust) arr(sqrt(diag(fit$var))) else "null",
    z = arr(s$coefficients[, "z"]),
    p = arr(s$coefficients[, "Pr(>|z|)"]),
    hr_lower = arr(s$conf.int[, 3]),
    hr_upper = arr(s$conf.int[, 4]),
    var = mat(fit$var),
    naive_var = mat(naive),
    means = arr(fit$means),
    loglik = arr(fit$loglik),
    lr = obj(stat = num(lr), df = num(df), p = num(pchisq(lr, df, lower.tail = FALSE))),
    wald = obj(stat = num(fit$wald.test), df = num(df),
               p = num(pchisq(fit$wald.test, df, lower.tail = FALSE))),
    score = obj(stat = num(fit$score), df = num(df),
                p = num(pchisq(fit$score, df, lower.tail = FALSE))),
    robust_score = if (robust) obj(stat = num(fit$rscore), df = num(df),
                                   p = num(pchisq(fit$rscore, df, lower.tail = FALSE))) else "null",
    concordance = obj(concordant = num(cc[["concordant"]]), discordant = num(cc[["discordant"]]),
                      tied_x = num(cc[["tied.x"]]), tied_y = num(cc[["tied.y"]]),
                      tied_xy = num(cc[["tied.xy"]]), concordance = num(cc[["concordance"]]),
                      std = num(cc[["std"]])),
    warnings = arr(warnings)
  )
}

# survfit(fit, newdata) curves (one per new patient), flattened with stratum and patient.
curve_json <- function(fit, newdata) {
  sf <- survfit(fit, newdata = newdata)
  k <- nrow(newdata)
  nt <- length(sf$time)
  strata <- if (is.null(sf$strata)) rep(NA, nt) else rep(names(sf$strata), sf$strata)
  strata <- sub("^[^=]*=", "", strata)
  sm <- function(x) matrix(x, nrow = nt, ncol = k)
  obj(
    newdata = mat(data.matrix(newdata) - (sapply(newdata, is.factor) * 1)[col(data.matrix(newdata))]),
    strata = arr(strata),
    time = arr(sf$time), n_risk = arr(sf$n.risk), n_event = arr(sf$n.event),
    n_censor = arr(sf$n.censor),
    surv = mat(t(sm(sf$surv))), cumhaz = mat(t(sm(sf$cumhaz))),
    std_err = mat(t(sm(sf$std.err))), lower = mat(t(sm(sf$lower))), upper = mat(t(sm(sf$upper)))
  )
}

basehaz_json <- function(fit) {
  b1 <- basehaz(fit, centered = TRUE)
  b0 <- basehaz(fit, centered = FALSE)
  obj(time = arr(b1$time),
      strata = if (is.null(b1$strata)) "null" else arr(sub("^[^=]*=", "", as.character(b1$strata))),
      centered = arr(b1$hazard), zero = arr(b0$hazard))
}

zph_json <- function(fit, ...) {
  z <- cox.zph(fit, ...)
  tb <- z$table
  obj(term = arr(rownames(tb)), chisq = arr(tb[, "chisq"]), df = arr(tb[, "df"]),
      p = arr(tb[, "p"]))
}

case <- function(name, call, fit, warnings, extra = list()) {
  parts <- c(list(case = str(name), r_call = str(call), fit = fit_json(fit, warnings)), extra)
  write_json(name, do.call(obj, parts))
}

run <- function(name, call, extra_fn = NULL) {
  r <- with_warnings(eval(parse(text = call)))
  extra <- if (is.null(extra_fn)) list() else extra_fn(r$value)
  case(name, call, r$value, r$warnings, extra)
}

# ---- data sets ----
heart_csv <- heart
write.csv(data.frame(lapply(heart_csv, function(x) if (is.numeric(x)) sprintf("%.17g", x) else x)),
          file.path(out, "cox_heart.csv"), row.names = FALSE, quote = FALSE)

# monotone likelihood: every row with x = 1 fails before any row with x = 0
mono <- data.frame(time = c(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16),
                   status = c(1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1),
                   x = c(1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                   z = c(0.5, -1.2, 0.3, 2.1, -0.7, 1.4, -0.2, 0.9, -1.5, 0.1, 0.8, -0.4,
                         1.1, -0.9, 0.6, -0.3))
write.csv(mono, file.path(out, "cox_monotone.csv"), row.names = FALSE, quote = FALSE)

# heavy ties: 3000 rows over 20 distinct times (about 150 per time, long runs of tied events
# and censorings), 120 rows repeated exactly, integer case weights; x1 continuous, x2 binary,
# x3 in 0..3
set.seed(20261129)
ties_n <- 3000
tied <- data.frame(time = sample(1:20, ties_n, replace = TRUE),
                   status = rbinom(ties_n, 1, 0.6),
                   x1 = round(rnorm(ties_n), 3),
                   x2 = rbinom(ties_n, 1, 0.4),
                   x3 = sample(0:3, ties_n, replace = TRUE),
                   w = sample(1:3, ties_n, replace = TRUE))
tied$time <- tied$time + ifelse(tied$x2 == 1 & tied$time > 1, -1, 0) * rbinom(ties_n, 1, 0.3)
tied <- rbind(tied, tied[sample(ties_n, 120), ])
write.csv(tied, file.path(out, "cox_ties.csv"), row.names = FALSE, quote = FALSE)

lung2 <- lung
lung2$age2 <- 2 * lung2$age
lung2$k <- 3

tp <- function(v) factor(v, levels = c("0", "1"))
nd_heart <- data.frame(age = c(-5, 10), year = c(3, 1), surgery = c(0, 1), transplant = tp(c(1, 0)))

# ---- cases ----
for (ties in c("efron", "breslow")) {
  run(paste0("cox_heart_", ties),
      sprintf('coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = heart, ties = "%s")', ties),
      function(fit) list(curve = curve_json(fit, nd_heart), basehaz = basehaz_json(fit),
                         zph = zph_json(fit)))
  run(paste0("cox_lung_cluster_", ties),
      sprintf('coxph(Surv(time, status) ~ age + sex + ph.ecog + cluster(inst), data = lung, ties = "%s")', ties),
      function(fit) list(curve = curve_json(fit, data.frame(age = 60, sex = 1, ph.ecog = 1))))
  run(paste0("cox_lung_strata_weights_", ties),
      sprintf('coxph(Surv(time, status) ~ age + ph.ecog + strata(sex), data = lung, weights = ph.karno / 80, ties = "%s")', ties),
      function(fit) list(curve = curve_json(fit, data.frame(age = c(55, 70), ph.ecog = c(1, 2))),
                         basehaz = basehaz_json(fit), zph = zph_json(fit)))
}
run("cox_heart_cluster",
    'coxph(Surv(start, stop, event) ~ age + year + surgery + transplant + cluster(id), data = heart)')
run("cox_heart_strata",
    'coxph(Surv(start, stop, event) ~ age + year + transplant + strata(surgery), data = heart)',
    function(fit) list(curve = curve_json(fit, data.frame(age = 0, year = 2, transplant = tp(1))),
                       zph = zph_json(fit)))
run("cox_lung_collinear",
    'coxph(Surv(time, status) ~ age + sex + age2 + k, data = lung2)',
    function(fit) list(zph = zph_json(fit),
                       curve = curve_json(fit, data.frame(age = 60, sex = 1, age2 = 120, k = 3))))
run("cox_monotone",
    'coxph(Surv(time, status) ~ x + z, data = mono)')
run("cox_lung_age",
    'coxph(Surv(time, status) ~ age, data = lung)',
    function(fit) list(curve = curve_json(fit, data.frame(age = 50)), zph = zph_json(fit),
                       basehaz = basehaz_json(fit)))
run("cox_lung_maxiter2",
    'coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung, iter.max = 2)')
run("cox_heart_maxiter2",
    'coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = heart, iter.max = 2)')
for (ties in c("efron", "breslow")) {
  run(paste0("cox_veteran_zph_", ties),
      sprintf('coxph(Surv(time, status) ~ trt + celltype + karno + diagtime + age + prior, data = veteran, ties = "%s")', ties),
      function(fit) list(zph = zph_json(fit), zph_identity = zph_json(fit, transform = "identity"),
                         zph_rank = zph_json(fit, transform = "rank"),
                         zph_log = zph_json(fit, transform = "log")))
}
run("cox_veteran_strata_zph",
    'coxph(Surv(time, status) ~ trt + karno + age + strata(celltype), data = veteran)',
    function(fit) list(zph = zph_json(fit),
                       curve = curve_json(fit, data.frame(trt = 2, karno = 60, age = 65))))
for (tm in c("efron", "breslow")) {
  run(paste0("cox_ties_", tm),
      sprintf('coxph(Surv(time, status) ~ x1 + x2 + x3, data = tied, ties = "%s")', tm),
      function(fit) list(curve = curve_json(fit, data.frame(x1 = 0.5, x2 = 1, x3 = 2)),
                         basehaz = basehaz_json(fit)))
  run(paste0("cox_ties_weights_", tm),
      sprintf('coxph(Surv(time, status) ~ x1 + x2 + x3, data = tied, weights = w, ties = "%s")', tm))
}
cat("wrote the cox fixtures\n")
