# Competing risks references (issue 16): Aalen-Johansen cumulative incidence with its
# infinitesimal-jackknife standard errors and log-scale intervals (survival::survfit), Gray's test
# (cmprsk::cuminc), cause-specific Cox (coxph, Efron ties) and Fine-Gray (cmprsk::crr).
# Run from the repository root after datasets.R and export_competing.py:
#   Rscript tests/reference/competing.R
suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
})
dir.create("tests/reference/expected", showWarnings = FALSE)
out <- function(df, name) {
  write.csv(df, file.path("tests/reference/expected", name), row.names = FALSE)
}

# Rossi recidivism with an artificial competing event and early censoring, made deterministically
# (Rossi has one event type and everyone else is censored at week 52):
#   * an arrest after week 26 of a man with an odd number of prior convictions becomes event 2;
#   * a man never arrested with id %% 4 == 0 is censored early, at week 5 + (7 id) %% 45;
#   * a man never arrested with id %% 4 == 1 has event 2 at week 3 + (11 id) %% 48.
r <- read.csv("tests/reference/data/rossi.csv")
r$status <- r$arrest
r$status[r$arrest == 1 & r$prio %% 2 == 1 & r$week > 26] <- 2
early <- r$arrest == 0 & r$id %% 4 == 0
r$week[early] <- 5 + (7 * r$id[early]) %% 45
other <- r$arrest == 0 & r$id %% 4 == 1
r$week[other] <- 3 + (11 * r$id[other]) %% 48
r$status[other] <- 2
r$prio3 <- cut(r$prio, c(-1, 1, 3, Inf), labels = c("0-1", "2-3", "4+"))
rc <- r[, c("id", "week", "status", "fin", "age", "race", "wexp", "mar", "paro", "prio", "prio3")]
write.csv(rc, "tests/reference/data/rossi_competing.csv", row.names = FALSE)

demo <- read.csv("tests/reference/data/demo_competing.csv", stringsAsFactors = FALSE, na.strings = c("", "NA"))
demo$time <- demo$days

# Aalen-Johansen: every distinct time, states (s0) = still out, 1 = job, 2 = discharged
aj <- function(time, status, data_name, group = "All") {
  fit <- survfit(Surv(time, factor(status, levels = 0:2)) ~ 1)
  stopifnot(identical(fit$states, c("(s0)", "1", "2")), fit$conf.type == "log")
  data.frame(
    data = data_name, group = group, time = fit$time, n_risk = fit$n.risk[, 1],
    p0 = fit$pstate[, 1], p1 = fit$pstate[, 2], p2 = fit$pstate[, 3],
    se0 = fit$std.err[, 1], se1 = fit$std.err[, 2], se2 = fit$std.err[, 3],
    lower0 = fit$lower[, 1], lower1 = fit$lower[, 2], lower2 = fit$lower[, 3],
    upper0 = fit$upper[, 1], upper1 = fit$upper[, 2], upper2 = fit$upper[, 3]
  )
}
by_group <- function(d, data_name, var) {
  do.call(rbind, lapply(sort(unique(d[[var]])), function(g) {
    s <- d[d[[var]] == g, ]
    aj(s$time, s$status, data_name, paste0(var, "=", g))
  }))
}
rt <- data.frame(time = rc$week, status = rc$status, fin = rc$fin, prio3 = as.character(rc$prio3))
out(rbind(
  aj(rt$time, rt$status, "rossi"), by_group(rt, "rossi", "fin"), by_group(rt, "rossi", "prio3"),
  aj(demo$days, demo$status, "demo"), by_group(demo, "demo", "local_authority"),
  by_group(demo, "demo", "integration_strength")
), "competing_aj.csv")

# Gray's test, for both causes
gray <- function(d, data_name, var) {
  t <- cuminc(d$time, d$status, d[[var]], cencode = 0)$Tests
  data.frame(data = data_name, by = var, cause = rownames(t), statistic = t[, "stat"],
             p_value = t[, "pv"], df = t[, "df"])
}
out(rbind(
  gray(rt, "rossi", "fin"), gray(rt, "rossi", "prio3"),
  gray(demo, "demo", "local_authority"), gray(demo, "demo", "integration_strength")
), "competing_gray.csv")

# Cause-specific Cox for event 1 (event 2 as censoring), Efron ties; and Fine-Gray (crr) with a
# tight convergence criterion so its estimates are exact to rounding
coefs <- function(data_name, model, names, est, se) {
  data.frame(data = data_name, model = model, term = names, estimate = unname(est), std_error = unname(se))
}
X_rossi <- model.matrix(~ fin + age + race + wexp + mar + paro + prio, rc)[, -1]
cs <- coxph(Surv(week, status == 1) ~ fin + age + race + wexp + mar + paro + prio, rc, ties = "efron")
fg <- crr(rc$week, rc$status, X_rossi, failcode = 1, cencode = 0, gtol = 1e-12, maxiter = 100)
cc <- demo[complete.cases(demo[, c("age", "gender")]), ]  # the models' complete cases
cc$male <- as.integer(cc$gender == "male")
cc$integration_strength <- factor(cc$integration_strength, c("strong", "moderate", "weak"))
X_demo <- model.matrix(~ age + male + integration_strength, cc)[, -1]
cs_demo <- coxph(Surv(cc$days, cc$status == 1) ~ X_demo, ties = "efron")
fg_demo <- crr(cc$days, cc$status, X_demo, failcode = 1, cencode = 0, gtol = 1e-12, maxiter = 100)
stopifnot(fg$converged, fg_demo$converged)
out(rbind(
  coefs("rossi", "cause_specific_cox", colnames(X_rossi), coef(cs), sqrt(diag(vcov(cs)))),
  coefs("rossi", "fine_gray", colnames(X_rossi), fg$coef, sqrt(diag(fg$var))),
  coefs("demo", "cause_specific_cox", colnames(X_demo), coef(cs_demo), sqrt(diag(vcov(cs_demo)))),
  coefs("demo", "fine_gray", colnames(X_demo), fg_demo$coef, sqrt(diag(fg_demo$var)))
), "competing_models.csv")
