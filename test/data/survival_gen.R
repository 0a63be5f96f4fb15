# test/data/survival_gen.R — R reference answers for the survival module's own fixtures.
#
#   cd test/data && Rscript survival_gen.R
#
# Covers what the shared reference set (test/data/reference) does not: tied event and
# censoring times, integer and fractional case weights (robust and Greenwood variances),
# left truncation and (start, stop] data, Fleming-Harrington hazards with weighted ties,
# one-row groups, all-censored data, flat stretches at S = 0.5, survival at given times,
# competing risks with three causes (unweighted and weighted), G-rho tests with ties, strata
# and rho = 0.5, degenerate tests, and RMST differences.  R 4.2.2, survival 3.5.3.
#
# Outputs (CSV, numbers with 17 significant digits, NA for R's NA and NaN):
#   survival_ties.csv, survival_heart.csv    the input data
#   survival_km_curve.csv                    survfit curves (std.err on the -log S scale)
#   survival_km_summary.csv                  summary table, medians and CIs per conf.type
#   survival_km_quantile.csv                 quantile() per conf.type
#   survival_km_survat.csv                   summary(fit, times = t)$surv (NA beyond the end)
#   survival_na_curve.csv                    stype = 2 curves (Nelson-Aalen / Fleming-Harrington)
#   survival_cif_curve.csv                   Aalen-Johansen per state
#   survival_lr.csv, survival_lr_var.csv     survdiff results and variance matrices
#   survival_rmst.csv                        RMST per group and their difference
suppressPackageStartupMessages(library(survival))
stopifnot(packageVersion("survival") == "3.5.3")

num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))   # NaN too, as the shared reference does
write_out <- function(df, file) {
  for (j in seq_along(df)) if (is.numeric(df[[j]])) df[[j]] <- num(df[[j]])
  write.csv(df, file, row.names = FALSE, quote = TRUE, na = "NA")
}

# ---- data ----
set.seed(20240511)
n <- 300
ties <- data.frame(id = 1:n,
                   grp = sample(c("a", "b", "c"), n, replace = TRUE),
                   stratum = sample(c("x", "y"), n, replace = TRUE),
                   time = sample(1:40, n, replace = TRUE),
                   status = rbinom(n, 1, 0.65))
half <- sample(n, 30)
ties$time[half] <- ties$time[half] + 0.5            # non-integer times too (hashed path)
ties$cause <- ifelse(ties$status == 1, sample(1:3, n, replace = TRUE), 0)
ties$w <- round(runif(n, 0.2, 3), 3)                # fractional weights
ties$wi <- sample(1:3, n, replace = TRUE)           # integer weights
ties$entry <- ifelse(runif(n) < 0.4, 0, floor(ties$time * runif(n)))
ties$entry[ties$entry >= ties$time] <- 0
write_out(ties, "survival_ties.csv")
heart <- survival::heart[, c("id", "start", "stop", "event", "transplant")]
write_out(heart, "survival_heart.csv")

small <- list(
  one_event = data.frame(time = 5, status = 1, w = 1),
  one_censored = data.frame(time = 5, status = 0, w = 1),
  all_censored = data.frame(time = c(3, 5, 5, 8), status = 0, w = 1),
  flat_mid = data.frame(time = 1:4, status = 1, w = 1),
  flat_last = data.frame(time = 1:4, status = c(1, 1, 0, 0), w = 1),
  w_to_zero = data.frame(time = c(1, 2, 2, 3), status = c(1, 1, 0, 1), w = c(0.5, 1.5, 2.5, 0.7))
)

# ---- Kaplan-Meier ----
fits <- list(
  ties_grp = list(f = function(...) survfit(Surv(time, status) ~ grp, data = ties, ...), tau = 30),
  ties_w_robust = list(f = function(...) survfit(Surv(time, status) ~ grp, data = ties, weights = w, ...), tau = 30),
  ties_w_greenwood = list(f = function(...) survfit(Surv(time, status) ~ grp, data = ties, weights = w, robust = FALSE, ...), tau = 30),
  ties_wi = list(f = function(...) survfit(Surv(time, status) ~ grp, data = ties, weights = wi, ...), tau = 30),
  ties_robust = list(f = function(...) survfit(Surv(time, status) ~ grp, data = ties, robust = TRUE, ...), tau = 30),
  ties_entry = list(f = function(...) survfit(Surv(entry, time, status) ~ grp, data = ties, ...), tau = 30),
  ties_entry_w = list(f = function(...) survfit(Surv(entry, time, status) ~ grp, data = ties, weights = w, robust = FALSE, ...), tau = 30),
  heart = list(f = function(...) survfit(Surv(start, stop, event) ~ 1, data = heart, ...), tau = 1000),
  heart_transplant = list(f = function(...) survfit(Surv(start, stop, event) ~ transplant, data = heart, ...), tau = 1000)
)
for (nm in names(small)) local({
  d <- small[[nm]]
  fits[[nm]] <<- list(f = function(...) survfit(Surv(time, status) ~ 1, data = d, weights = w, ...), tau = 6)
})

curve_rows <- list(); summary_rows <- list(); quant_rows <- list(); at_rows <- list()
for (nm in names(fits)) {
  fl <- fits[[nm]]$f(conf.type = "log")
  fll <- fits[[nm]]$f(conf.type = "log-log")
  fp <- fits[[nm]]$f(conf.type = "plain")
  st <- if (is.null(fl$strata)) rep("", length(fl$time)) else rep(names(fl$strata), fl$strata)
  se <- if (fl$logse) fl$std.err else ifelse(fl$std.err == 0, 0, fl$std.err / fl$surv)
  curve_rows[[nm]] <- data.frame(case = nm, strata = st, time = fl$time, n.risk = fl$n.risk,
    n.event = fl$n.event, n.censor = fl$n.censor, surv = fl$surv, std.err = se,
    lower = fl$lower, upper = fl$upper, lower.loglog = fll$lower, upper.loglog = fll$upper,
    lower.plain = fp$lower, upper.plain = fp$upper, cumhaz = fl$cumhaz, std.chaz = fl$std.chaz)
  tau <- fits[[nm]]$tau
  tabs <- lapply(list(fl, fll, fp), function(f) {
    t <- summary(f, rmean = tau)$table
    if (is.null(dim(t))) t <- matrix(t, nrow = 1, dimnames = list("", names(t)))
    t
  })
  strata <- if (is.null(fl$strata)) "" else names(fl$strata)
  summary_rows[[nm]] <- data.frame(case = nm, strata = strata,
    records = tabs[[1]][, "records"], n.max = tabs[[1]][, "n.max"], n.start = tabs[[1]][, "n.start"],
    events = tabs[[1]][, "events"], tau = tau, rmean = tabs[[1]][, "rmean"],
    se.rmean = tabs[[1]][, "se(rmean)"], median = tabs[[1]][, "median"],
    lcl.log = tabs[[1]][, "0.95LCL"], ucl.log = tabs[[1]][, "0.95UCL"],
    lcl.loglog = tabs[[2]][, "0.95LCL"], ucl.loglog = tabs[[2]][, "0.95UCL"],
    lcl.plain = tabs[[3]][, "0.95LCL"], ucl.plain = tabs[[3]][, "0.95UCL"])
  for (ct in c("log", "log-log", "plain")) {
    f <- list(log = fl, `log-log` = fll, plain = fp)[[ct]]
    q <- quantile(f, probs = c(0, 0.1, 0.25, 0.5, 0.75, 0.9, 1))
    qm <- function(m) if (is.null(dim(m))) matrix(m, nrow = 1) else m
    for (i in seq_along(strata)) for (j in 1:7)
      quant_rows[[length(quant_rows) + 1]] <- data.frame(case = nm, strata = strata[i], conf = ct,
        prob = c(0, 0.1, 0.25, 0.5, 0.75, 0.9, 1)[j], quantile = qm(q$quantile)[i, j],
        lower = qm(q$lower)[i, j], upper = qm(q$upper)[i, j])
  }
  tt <- c(0, 0.5, 1, 4.5, 5, 10.25, 20, 39.5, 41, 200, 1000, 2000)
  for (i in seq_along(strata)) {
    fi <- if (is.null(fl$strata)) fl else fl[i]
    s <- summary(fi, times = tt, extend = FALSE)
    at_rows[[length(at_rows) + 1]] <- data.frame(case = nm, strata = strata[i], t = tt,
      surv = s$surv[match(tt, s$time)])
  }
}
write_out(do.call(rbind, curve_rows), "survival_km_curve.csv")
write_out(do.call(rbind, summary_rows), "survival_km_summary.csv")
write_out(do.call(rbind, quant_rows), "survival_km_quantile.csv")
write_out(do.call(rbind, at_rows), "survival_km_survat.csv")

# ---- cumulative hazards (stype = 2) ----
nafits <- list(
  na_ties_c1 = survfit(Surv(time, status) ~ grp, data = ties, stype = 2, ctype = 1),
  na_ties_c2 = survfit(Surv(time, status) ~ grp, data = ties, stype = 2, ctype = 2),
  na_ties_w_c1_robust = survfit(Surv(time, status) ~ grp, data = ties, weights = w, stype = 2, ctype = 1),
  na_ties_w_c2_robust = survfit(Surv(time, status) ~ grp, data = ties, weights = w, stype = 2, ctype = 2),
  na_ties_w_c2_greenwood = survfit(Surv(time, status) ~ grp, data = ties, weights = w, stype = 2, ctype = 2, robust = FALSE),
  na_ties_wi_c2 = survfit(Surv(time, status) ~ grp, data = ties, weights = wi, stype = 2, ctype = 2),
  na_ties_entry_c2 = survfit(Surv(entry, time, status) ~ grp, data = ties, stype = 2, ctype = 2)
)
na_rows <- list()
for (nm in names(nafits)) {
  f <- nafits[[nm]]
  st <- if (is.null(f$strata)) rep("", length(f$time)) else rep(names(f$strata), f$strata)
  se <- if (f$logse) f$std.err else ifelse(f$std.err == 0, 0, f$std.err / f$surv)
  na_rows[[nm]] <- data.frame(case = nm, strata = st, time = f$time, n.risk = f$n.risk,
    n.event = f$n.event, n.censor = f$n.censor, cumhaz = f$cumhaz, std.chaz = f$std.chaz,
    surv = f$surv, std.err = se, lower = f$lower, upper = f$upper)
}
write_out(do.call(rbind, na_rows), "survival_na_curve.csv")

# ---- competing risks (Aalen-Johansen) ----
ties$fcause <- factor(ties$cause, 0:3, labels = c("censor", "c1", "c2", "c3"))
crfits <- list(
  cr3 = function(...) survfit(Surv(time, fcause) ~ 1, data = ties, ...),
  cr3_w = function(...) survfit(Surv(time, fcause) ~ 1, data = ties, weights = w, ...),
  cr3_grp_b = function(...) survfit(Surv(time, fcause) ~ 1, data = subset(ties, grp == "b"), ...)
)
cr_rows <- list()
for (nm in names(crfits)) {
  fl <- crfits[[nm]](conf.type = "log")
  fll <- crfits[[nm]](conf.type = "log-log")
  fp <- crfits[[nm]](conf.type = "plain")
  K <- ncol(fl$pstate) - 1
  chaz <- cbind(rowSums(fl$cumhaz), fl$cumhaz)
  for (k in 0:K) {
    j <- k + 1
    cr_rows[[length(cr_rows) + 1]] <- data.frame(case = nm, time = fl$time, cause = k,
      n.risk = fl$n.risk[, 1], n.event = fl$n.event[, j], n.censor = fl$n.censor,
      pstate = fl$pstate[, j], std.err = fl$std.err[, j],
      lower = fl$lower[, j], upper = fl$upper[, j], lower.loglog = fll$lower[, j],
      upper.loglog = fll$upper[, j], lower.plain = fp$lower[, j], upper.plain = fp$upper[, j],
      cumhaz = chaz[, j])
  }
}
write_out(do.call(rbind, cr_rows), "survival_cif_curve.csv")

# ---- G-rho tests ----
veteran <- survival::veteran
degenerate_e0 <- data.frame(time = c(1, 2, 3, 0.5, 0.5), status = c(1, 1, 1, 0, 0), grp = c("a", "a", "a", "b", "b"))
no_events <- data.frame(time = c(1, 2, 3, 4), status = 0, grp = c("a", "a", "b", "b"))
# fully separated groups: p-values far in the tail (df = 1, 2, 3)
sep <- function(k, m) data.frame(time = 1:(k * m), status = 1, grp = rep(letters[1:k], each = m))
tests <- list(
  ties_rho0 = survdiff(Surv(time, status) ~ grp, data = ties),
  ties_rho1 = survdiff(Surv(time, status) ~ grp, data = ties, rho = 1),
  ties_rho05 = survdiff(Surv(time, status) ~ grp, data = ties, rho = 0.5),
  ties_strata_rho0 = survdiff(Surv(time, status) ~ grp + strata(stratum), data = ties),
  ties_strata_rho1 = survdiff(Surv(time, status) ~ grp + strata(stratum), data = ties, rho = 1),
  veteran_trt_strata_rho1 = survdiff(Surv(time, status) ~ trt + strata(celltype), data = veteran, rho = 1),
  degenerate_e0 = survdiff(Surv(time, status) ~ grp, data = degenerate_e0),
  no_events = suppressWarnings(survdiff(Surv(time, status) ~ grp, data = no_events)),
  separated_2x300 = survdiff(Surv(time, status) ~ grp, data = sep(2, 300)),
  separated_3x100 = survdiff(Surv(time, status) ~ grp, data = sep(3, 100)),
  separated_4x100 = survdiff(Surv(time, status) ~ grp, data = sep(4, 100))
)
lr_rows <- list(); var_rows <- list()
for (nm in names(tests)) {
  s <- tests[[nm]]
  o <- if (is.matrix(s$obs)) rowSums(s$obs) else s$obs
  e <- if (is.matrix(s$exp)) rowSums(s$exp) else s$exp
  g <- sub("^[^=]*=", "", names(s$n))
  df <- sum(e > 0) - 1
  lr_rows[[nm]] <- data.frame(case = nm, group = g, n = as.vector(s$n), observed = o, expected = e,
    chisq = s$chisq, df = df, p = s$pvalue)
  for (i in seq_along(g)) for (j in seq_along(g))
    var_rows[[length(var_rows) + 1]] <- data.frame(case = nm, row = g[i], col = g[j], var = s$var[i, j])
}
write_out(do.call(rbind, lr_rows), "survival_lr.csv")
write_out(do.call(rbind, var_rows), "survival_lr_var.csv")

# ---- RMST and differences ----
lung <- survival::lung
rm_cases <- list(
  lung_sex_730 = list(fit = survfit(Surv(time, status) ~ sex, data = lung), tau = 730),
  ties_ab_30 = list(fit = survfit(Surv(time, status) ~ grp, data = subset(ties, grp != "c")), tau = 30),
  ties_ab_100 = list(fit = survfit(Surv(time, status) ~ grp, data = subset(ties, grp != "c")), tau = 100),
  ties_ab_1 = list(fit = survfit(Surv(time, status) ~ grp, data = subset(ties, grp != "c")), tau = 1),
  ties_ab_12 = list(fit = survfit(Surv(time, status) ~ grp, data = subset(ties, grp != "c")), tau = 12)
)
rm_rows <- list()
for (nm in names(rm_cases)) {
  t <- summary(rm_cases[[nm]]$fit, rmean = rm_cases[[nm]]$tau)$table
  d <- t[1, "rmean"] - t[2, "rmean"]
  se <- sqrt(t[1, "se(rmean)"]^2 + t[2, "se(rmean)"]^2)
  z <- qnorm(0.975)
  rm_rows[[nm]] <- data.frame(case = nm, tau = rm_cases[[nm]]$tau,
    rmst_a = t[1, "rmean"], se_a = t[1, "se(rmean)"], rmst_b = t[2, "rmean"], se_b = t[2, "se(rmean)"],
    diff = d, se = se, lower = d - z * se, upper = d + z * se, p = 2 * pnorm(-abs(d / se)))
}
write_out(do.call(rbind, rm_rows), "survival_rmst.csv")
