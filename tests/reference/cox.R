# Cox model with Efron ties on the Rossi recidivism data: coefficients, model, robust and clustered
# standard errors, Efron score residuals, unstratified and stratified by work experience (wexp).
# The cluster is deterministic, cluster = id %% 20, computed the same way in tests/test_reference_cox.py.
# Run from the repository root; writes tests/reference/expected/cox_*.csv.
suppressPackageStartupMessages(library(survival))
out <- "tests/reference/expected"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
rossi <- read.csv("tests/reference/data/rossi.csv")
rossi$cluster <- rossi$id %% 20
fits <- list(
  plain = Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio,
  strata = Surv(week, arrest) ~ fin + age + race + mar + paro + prio + strata(wexp)
)
# coxph stops at a relative change in the log-likelihood of 1e-9 (coefficients good to ~1e-8);
# tighter, so that the 1e-8 comparison tests the estimator rather than the stopping rule
tight <- coxph.control(eps = 1e-11, iter.max = 100)
w <- function(x, name) write.csv(x, file.path(out, name), row.names = FALSE)
for (name in names(fits)) {
  f <- fits[[name]]
  model <- coxph(f, data = rossi, ties = "efron", control = tight)
  robust <- coxph(f, data = rossi, ties = "efron", robust = TRUE, control = tight)
  clustered <- coxph(f, data = rossi, ties = "efron", cluster = cluster, control = tight)
  w(data.frame(
    term = names(coef(model)),
    estimate = sprintf("%.17g", coef(model)),
    std_error = sprintf("%.17g", sqrt(diag(vcov(model)))),
    robust_se = sprintf("%.17g", sqrt(diag(vcov(robust)))),
    cluster_se = sprintf("%.17g", sqrt(diag(vcov(clustered)))),
    loglik = sprintf("%.17g", model$loglik[2])
  ), sprintf("cox_%s_coefficients.csv", name))
  score <- residuals(model, type = "score")
  w(data.frame(id = rossi$id, apply(score, 2, function(v) sprintf("%.17g", v))),
    sprintf("cox_%s_score_residuals.csv", name))
}
