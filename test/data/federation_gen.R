# federation_gen.R — the synthetic four-site cohort of the multi-cluster federation tests, and R's
# answers for it.
#
#   Rscript test/data/federation_gen.R test/data
#
# Writes federation_cohort.csv (6000 patients: site, integer-day time, status, age, sex, trt, crp,
# response) and the R fits the tests compare with: Cox on the 30-day grid (Efron, Breslow),
# site-stratified Cox (Efron, Breslow) and a logistic model.  Censoring is administrative (at 360,
# 540 or 720 days) and the hazard high enough that every site has, in every 30-day interval, no
# or at least 5 events and no or at least 5 censorings: the cohort passes clinnova's disclosure
# rules at min_cell_count = 5 and time_grain = 30 without any merging of intervals, so federated
# results must equal pooled ones exactly.  The script stops if that property fails.
# R 4.2.2, survival 3.5.3 (Debian 12).
suppressMessages(library(survival))
set.seed(20260707)
sites <- c("lux", "gre", "bw", "bas")
n_per <- 1500
rows <- list()
for (s in seq_along(sites)) {
  n <- n_per
  age <- round(rnorm(n, 55 + 2 * s, 12))
  sex <- rbinom(n, 1, 0.5)
  trt <- rbinom(n, 1, 0.5)
  crp <- round(rlnorm(n, 1.5, 0.6), 1)
  lp <- 0.02 * (age - 55) + 0.3 * sex - 0.5 * trt + 0.05 * (crp - 5) + 0.1 * (s - 2.5)
  ev <- rexp(n, rate = exp(lp) / 450)
  adm <- sample(c(360, 540, 720), n, replace = TRUE, prob = c(0.2, 0.3, 0.5))
  time <- pmax(1, ceiling(pmin(ev, adm)))
  status <- as.integer(ev <= adm)
  time[status == 0] <- adm[status == 0]
  resp_lp <- -1 + 0.03 * (age - 55) - 0.4 * sex + 0.8 * trt - 0.08 * (crp - 5)
  response <- rbinom(n, 1, plogis(resp_lp)) == 1
  rows[[s]] <- data.frame(site = sites[s], time = time, status = status, age = age, sex = sex,
                          trt = trt, crp = crp, response = response)
}
d <- do.call(rbind, rows)
d$id <- seq_len(nrow(d))
d <- d[, c("id", "site", "time", "status", "age", "sex", "trt", "crp", "response")]
# disclosure feasibility at grain 30, k = 5: per site and 30-day interval, events and censorings 0 or >= 5
d$tg <- ceiling(d$time / 30) * 30
chk <- aggregate(cbind(ev = status, ce = 1 - status) ~ site + tg, data = d, FUN = sum)
bad <- chk[(chk$ev > 0 & chk$ev < 5) | (chk$ce > 0 & chk$ce < 5), ]
if (nrow(bad) > 0) { print(bad); stop("cohort violates the disclosure rule at grain 30") }
cat("events", sum(d$status), "min events/interval/site", min(chk$ev[chk$ev > 0]), "\n")
print(table(d$site, d$tg)[, 1:5])

# ---- outputs ---------------------------------------------------------------------------------
out_dir <- if (length(commandArgs(TRUE)) > 0) commandArgs(TRUE)[1] else "."
d$tg <- NULL
write.csv(d, file.path(out_dir, "federation_cohort.csv"), row.names = FALSE, quote = FALSE)

num <- function(x) {
  if (length(x) == 0) return("[]")
  paste0("[", paste(ifelse(is.na(x), "null", sprintf("%.17g", x)), collapse = ", "), "]")
}
str1 <- function(x) paste0("\"", gsub("\"", "\\\\\"", x), "\"")
json_obj <- function(fields) {
  paste0("{\n", paste(sprintf("  %s: %s", str1(names(fields)), unlist(fields)), collapse = ",\n"), "\n}\n")
}
cox_json <- function(case, call, fit) {
  json_obj(list(
    case = str1(case), r_call = str1(call), ties = str1(fit$method),
    n = fit$n, nevent = fit$nevent, iter = fit$iter,
    terms = paste0("[", paste(str1(names(coef(fit))), collapse = ", "), "]"),
    coef = num(unname(coef(fit))),
    se = num(unname(sqrt(diag(fit$var)))),
    var = num(as.vector(t(fit$var))),
    loglik = num(fit$loglik),
    score = num(fit$score),
    wald = num(unname(fit$wald.test))))
}
dd <- read.csv(file.path(out_dir, "federation_cohort.csv"))
dd$tg <- ceiling(dd$time / 30) * 30
f1 <- coxph(Surv(tg, status) ~ age + sex + trt + crp, data = dd, ties = "efron")
f2 <- coxph(Surv(tg, status) ~ age + sex + trt + crp, data = dd, ties = "breslow")
f3 <- coxph(Surv(time, status) ~ age + sex + trt + crp + strata(site), data = dd, ties = "efron")
f4 <- coxph(Surv(time, status) ~ age + sex + trt + crp + strata(site), data = dd, ties = "breslow")
writeLines(cox_json("cox_grid_efron", "coxph(Surv(ceiling(time / 30) * 30, status) ~ age + sex + trt + crp, ties = 'efron')", f1),
           file.path(out_dir, "federation_cox_grid_efron.json"), sep = "")
writeLines(cox_json("cox_grid_breslow", "coxph(Surv(ceiling(time / 30) * 30, status) ~ age + sex + trt + crp, ties = 'breslow')", f2),
           file.path(out_dir, "federation_cox_grid_breslow.json"), sep = "")
writeLines(cox_json("cox_strata_efron", "coxph(Surv(time, status) ~ age + sex + trt + crp + strata(site), ties = 'efron')", f3),
           file.path(out_dir, "federation_cox_strata_efron.json"), sep = "")
writeLines(cox_json("cox_strata_breslow", "coxph(Surv(time, status) ~ age + sex + trt + crp + strata(site), ties = 'breslow')", f4),
           file.path(out_dir, "federation_cox_strata_breslow.json"), sep = "")
g <- glm(response ~ age + sex + trt + crp, family = binomial, data = dd)
writeLines(json_obj(list(
  case = str1("glm_response_logit"), r_call = str1("glm(response ~ age + sex + trt + crp, family = binomial)"),
  n = nrow(dd), iter = g$iter,
  terms = paste0("[", paste(str1(names(coef(g))), collapse = ", "), "]"),
  coef = num(unname(coef(g))),
  se = num(unname(sqrt(diag(vcov(g))))),
  deviance = num(g$deviance), null_deviance = num(g$null.deviance), aic = num(g$aic))),
  file.path(out_dir, "federation_glm_logit.json"), sep = "")
