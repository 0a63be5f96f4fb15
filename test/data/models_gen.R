#!/usr/bin/env Rscript
# test/data/models_gen.R — R reference numbers for the models module's GLM tests.
#
# Run from the repository root:   Rscript test/data/models_gen.R
# (R 4.2.2, stats package; the shared reference glm_lung_logit comes from the same R.)
#
# Writes, all in long CSV form so that tests load them with \copy:
#   models_ref_coefs.csv    case, term, estimate, se, statistic, p, lower, upper
#                           (Wald intervals: confint.default for glm, confint for lm = t-based)
#   models_ref_stats.csv    case, name, value
#   models_ref_fitted.csv   case, id, fitted, linear_predictor   (id = row number in the data file)
#   models_ref_predict.csv  case, patient, type, fit, se, lower, upper  (predict(se.fit = TRUE);
#                           interval formed on the link scale and mapped by linkinv)
#   models_ref_warnings.csv case, warning
#   models_ref_cox_rank.csv ph_ecog, surv, lower, upper, rmean: survfit(coxph fit, newdata) at
#                           t = 365 and the restricted mean up to 365 (for rank_treatments)
#   models_warpbreaks.csv   R's warpbreaks with treatment-coded dummies
#   models_separation.csv   a small completely separated data set
options(warn = 1)
lung <- read.csv("test/data/lung.csv")
lung$id <- seq_len(nrow(lung))
lung$dead <- lung$status == 2
lung$w_karno <- (lung$ph.karno - 50) / 10          # integer weights 0..5, some 0

wb <- warpbreaks
wb$id <- seq_len(nrow(wb))
wb$woolB <- as.numeric(wb$wool == "B")
wb$tensionM <- as.numeric(wb$tension == "M")
wb$tensionH <- as.numeric(wb$tension == "H")
write.csv(wb[, c("id", "breaks", "woolB", "tensionM", "tensionH")], "test/data/models_warpbreaks.csv",
          row.names = FALSE)

sep <- data.frame(id = 1:12, x = c(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
                  z = c(0.3, -1.2, 0.8, 0.1, -0.5, 1.4, 0.2, -0.9, 0.6, 1.1, -0.3, 0.7))
sep$y <- sep$x > 6.5
write.csv(sep, "test/data/models_separation.csv", row.names = FALSE)

num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
coefs <- character(); stats <- character(); fitted <- character(); preds <- character()
warns <- character()

# Fit with warnings captured (the call's warnings are part of the reference).
fit_with_warnings <- function(case, expr) {
  w <- character()
  fit <- withCallingHandlers(expr, warning = function(cond) {
    w <<- c(w, conditionMessage(cond)); invokeRestart("muffleWarning") })
  for (m in w) warns <<- c(warns, paste0(case, ",\"", gsub("\"", "'", m), "\""))
  fit
}

add_stat <- function(case, name, value) stats <<- c(stats, paste(case, name, num(value), sep = ","))

add_glm <- function(case, fit, lmfit = NULL) {
  s <- summary(fit)
  cf <- coef(fit)
  tab <- s$coefficients
  ci <- if (is.null(lmfit)) confint.default(fit) else confint(lmfit)
  src <- if (is.null(lmfit)) s else summary(lmfit)
  tab <- src$coefficients
  for (term in names(cf)) {
    if (is.na(cf[term])) {
      coefs <<- c(coefs, paste(case, term, "NA", "NA", "NA", "NA", "NA", "NA", sep = ","))
    } else {
      coefs <<- c(coefs, paste(case, term, num(tab[term, 1]), num(tab[term, 2]), num(tab[term, 3]),
                               num(tab[term, 4]), num(ci[term, 1]), num(ci[term, 2]), sep = ","))
    }
  }
  add_stat(case, "n", nobs(fit))
  add_stat(case, "deviance", deviance(fit))
  add_stat(case, "null_deviance", fit$null.deviance)
  add_stat(case, "aic", fit$aic)
  add_stat(case, "bic", BIC(fit))
  add_stat(case, "loglik", as.numeric(logLik(fit)))
  add_stat(case, "df_residual", fit$df.residual)
  add_stat(case, "df_null", fit$df.null)
  add_stat(case, "iterations", fit$iter)
  add_stat(case, "converged", as.numeric(fit$converged))
  add_stat(case, "dispersion", s$dispersion)
  add_stat(case, "rank", fit$rank)
  if (!is.null(lmfit)) {
    ls <- summary(lmfit)
    add_stat(case, "sigma", ls$sigma)
    add_stat(case, "r_squared", ls$r.squared)
    add_stat(case, "adj_r_squared", ls$adj.r.squared)
  }
  ids <- as.integer(names(fit$fitted.values))
  data_ids <- fit$data$id[ids]
  fitted <<- c(fitted, paste(case, data_ids, num(fit$fitted.values), num(fit$linear.predictors),
                             sep = ","))
}

add_predict <- function(case, fit, newdata) {
  fam <- family(fit)
  pl <- predict(fit, newdata, type = "link", se.fit = TRUE)
  pr <- predict(fit, newdata, type = "response", se.fit = TRUE)
  q <- if (fam$family == "gaussian") qt(0.975, fit$df.residual) else qnorm(0.975)
  for (i in seq_len(nrow(newdata))) {
    lo <- pl$fit[i] - q * pl$se.fit[i]
    hi <- pl$fit[i] + q * pl$se.fit[i]
    preds <<- c(preds, paste(case, i, "link", num(pl$fit[i]), num(pl$se.fit[i]), num(lo), num(hi), sep = ","))
    preds <<- c(preds, paste(case, i, "response", num(pr$fit[i]), num(pr$se.fit[i]),
                             num(fam$linkinv(lo)), num(fam$linkinv(hi)), sep = ","))
  }
}

newpat <- data.frame(age = c(60, 70), sex = c(1, 2), ph.ecog = c(0, 2), wt.loss = c(5, 20),
                     time = c(365, 180))

# binomial
fit <- glm(dead ~ age + sex + ph.ecog, family = binomial, data = lung)
add_glm("logit_lung", fit)
add_predict("logit_lung", fit, newpat)
fit <- fit_with_warnings("logit_lung_maxit2",
  glm(dead ~ age + sex + ph.ecog, family = binomial, data = lung, control = glm.control(maxit = 2)))
add_glm("logit_lung_maxit2", fit)
fit <- fit_with_warnings("logit_lung_weighted",
  glm(dead ~ age + sex, family = binomial, data = lung, weights = w_karno))
add_glm("logit_lung_weighted", fit)
fit <- glm(dead ~ 0 + age + sex, family = binomial, data = lung)
add_glm("logit_lung_noint", fit)
fit <- glm(dead ~ age + sex + ph.ecog + I(sex + ph.ecog), family = binomial, data = lung)
add_glm("logit_lung_aliased", fit)
fit <- glm(dead ~ age + I(2 * age) + sex, family = binomial, data = lung)
add_glm("logit_lung_aliased_mid", fit)
fit <- fit_with_warnings("logit_separation", glm(y ~ x + z, family = binomial, data = sep))
add_glm("logit_separation", fit)

# gaussian: lm for the coefficient table, sigma and R^2; glm(gaussian) for deviances and iter
lmfit <- lm(time ~ age + sex + ph.ecog + wt.loss, data = lung)
fit <- glm(time ~ age + sex + ph.ecog + wt.loss, family = gaussian, data = lung)
add_glm("lm_lung", fit, lmfit)
add_predict("lm_lung", fit, newpat)
lmfit <- lm(time ~ age + sex, data = lung, weights = age / 60)
fit <- glm(time ~ age + sex, family = gaussian, data = lung, weights = age / 60)
add_glm("lm_lung_weighted", fit, lmfit)
lmfit <- lm(time ~ 0 + age + sex, data = lung)
fit <- glm(time ~ 0 + age + sex, family = gaussian, data = lung)
add_glm("lm_lung_noint", fit, lmfit)

# poisson
fit <- glm(dead ~ age + sex + ph.ecog, family = poisson, offset = log(time), data = lung)
add_glm("poisson_lung_offset", fit)
add_predict("poisson_lung_offset", fit, newpat)
fit <- glm(dead ~ 0 + age + sex, family = poisson, offset = log(time), data = lung)
add_glm("poisson_lung_offset_noint", fit)
fit <- glm(breaks ~ woolB + tensionM + tensionH, family = poisson, data = wb)
add_glm("poisson_warpbreaks", fit)

# Cox: survival at a horizon and restricted mean for patients differing in one feature
library(survival)
cfit <- coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung)
nd <- data.frame(age = 62, sex = 1, ph.ecog = c(0, 1, 2))
sf <- survfit(cfit, newdata = nd)
s365 <- summary(sf, times = 365)
rm365 <- summary(sf, rmean = 365)$table[, "rmean"]
writeLines(c("ph_ecog,surv,lower,upper,rmean",
             paste(nd$ph.ecog, num(s365$surv[1, ]), num(s365$lower[1, ]), num(s365$upper[1, ]), num(rm365), sep = ",")),
           "test/data/models_ref_cox_rank.csv")

writeLines(c("case,term,estimate,se,statistic,p,lower,upper", coefs), "test/data/models_ref_coefs.csv")
writeLines(c("case,name,value", stats), "test/data/models_ref_stats.csv")
writeLines(c("case,id,fitted,linear_predictor", fitted), "test/data/models_ref_fitted.csv")
writeLines(c("case,patient,type,fit,se,lower,upper", preds), "test/data/models_ref_predict.csv")
writeLines(c("case,warning", warns), "test/data/models_ref_warnings.csv")
