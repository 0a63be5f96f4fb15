# hardening_gen.R — reference answers for the hardening tests at scale: 100 000 rows with
# 100 000 distinct times (test/sql/hardening_scale.sql).
#
#   Rscript test/data/hardening_gen.R        (from the repository root; R 4.2.2, survival 3.5-3)
#
# The data are a formula, computed identically (IEEE doubles, the C library's sin) by R here and
# by SQL in the test, so no data file is needed:
#   g = 1..100000; time = g + (g mod 7) / 10; event = g mod 3 != 0; grp = g mod 2;
#   x1 = sin(g); x2 = g mod 5; w = 0.5 + (g mod 4) / 4
# Writes test/data/hardening_scale.json, every float with 17 significant digits.
suppressPackageStartupMessages(library(survival))
stopifnot(packageVersion("survival") == "3.5.3")
num <- function(x) ifelse(is.na(x), "null", sprintf("%.17g", x))
arr <- function(x) paste0("[", paste(num(as.numeric(unname(x))), collapse = ", "), "]")

g <- 1:100000
d <- data.frame(time = g + (g %% 7) / 10, event = as.integer(g %% 3 != 0), grp = g %% 2,
                x1 = sin(g), x2 = as.numeric(g %% 5), w = 0.5 + (g %% 4) / 4)
stopifnot(length(unique(d$time)) == 100000)

km <- survfit(Surv(time, event) ~ 1, data = d)
at <- c(1000.5, 25000.5, 50000.5, 75000.5, 99990.5)
s <- summary(km, times = at)
km_tab <- summary(km, rmean = 60000)$table
kmw <- survfit(Surv(time, event) ~ 1, data = d, weights = w)
sw <- summary(kmw, times = at)
lr <- survdiff(Surv(time, event) ~ grp, data = d)
lr1 <- survdiff(Surv(time, event) ~ grp, data = d, rho = 1)
cx <- coxph(Surv(time, event) ~ x1 + x2, data = d, ties = "efron")
cxb <- coxph(Surv(time, event) ~ x1 + x2, data = d, ties = "breslow")
na <- survfit(Surv(time, event) ~ 1, data = d, stype = 2, ctype = 1)

txt <- paste0("{",
  '"at": ', arr(at), ", ",
  '"km_surv": ', arr(s$surv), ", ",
  '"km_std_err": ', arr(s$std.err / s$surv), ", ",
  '"km_lower": ', arr(s$lower), ", ",
  '"km_upper": ', arr(s$upper), ", ",
  '"km_n_risk": ', arr(s$n.risk), ", ",
  '"km_median": ', num(km_tab[["median"]]), ", ",
  '"km_rmean_60000": ', num(km_tab[["rmean"]]), ", ",
  '"km_se_rmean_60000": ', num(km_tab[["se(rmean)"]]), ", ",
  '"km_cumhaz_end": ', num(tail(km$cumhaz, 1)), ", ",
  '"kmw_surv": ', arr(sw$surv), ", ",
  '"kmw_std_err": ', arr(sw$std.err / sw$surv), ", ",
  '"lr_chisq": ', num(lr$chisq), ", ",
  '"lr_rho1_chisq": ', num(lr1$chisq), ", ",
  '"cox_efron_coef": ', arr(coef(cx)), ", ",
  '"cox_efron_se": ', arr(sqrt(diag(vcov(cx)))), ", ",
  '"cox_efron_loglik": ', arr(cx$loglik), ", ",
  '"cox_efron_concordance": ', num(cx$concordance[["concordance"]]), ", ",
  '"cox_breslow_coef": ', arr(coef(cxb)), ", ",
  '"cox_breslow_loglik": ', arr(cxb$loglik), ", ",
  '"na_cumhaz_end": ', num(tail(na$cumhaz, 1)),
  "}")
writeLines(txt, "test/data/hardening_scale.json")
