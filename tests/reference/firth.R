# Firth's penalised-likelihood logit (Jeffreys prior): brglm2's estimates and standard errors, and
# profile penalised-likelihood 95% intervals and likelihood-ratio p-values (logistf's), which
# brglm2 does not give (its confint is Wald), computed here in base R.
# Run from the repository root (`make reference`); writes tests/reference/expected/firth_*.csv.
#   mroz: carData::Mroz with high_wage = 1 for the women in the labour force whose log wage is in
#         the top tenth (quasi-complete separation: no woman with high_wage = 1 is out of work),
#         written to data/mroz_separated.csv so Python reads exactly these rows.
#   demo: data/firth_demo.csv from export_firth.py (one client with sex 'other', who found work).
suppressPackageStartupMessages(library(brglm2))
data_dir <- "tests/reference/data"
out <- "tests/reference/expected"
dir.create(out, showWarnings = FALSE, recursive = TRUE)

# l*(beta) = l(beta) + 1/2 log|X'WX|; log(1 - p) as plogis(-eta, log) so large eta cannot overflow
penalised_loglik <- function(beta, X, y) {
  eta <- drop(X %*% beta)
  p <- plogis(eta)
  info <- crossprod(X * sqrt(p * (1 - p)))
  sum(y * eta + plogis(-eta, log.p = TRUE)) + 0.5 * as.numeric(determinant(info)$modulus)
}

modified_score <- function(beta, X, y) {
  p <- plogis(drop(X %*% beta))
  w <- p * (1 - p)
  info <- crossprod(X * sqrt(w))
  h <- w * rowSums((X %*% solve(info)) * X)
  list(score = drop(crossprod(X, y - p + h * (0.5 - p))), info = info)
}

# Maximise l* over the coefficients in `free`, the others fixed: Newton steps on the modified
# score X'(y - p + h (1/2 - p)) with its Jacobian by central differences (Fisher steps where that
# is not negative definite), at most 5 long (logistf's maxstep), halved until l* does not fall.
# A different route from ipseval's analytic curvature, so the comparison checks both.
fit_fixed <- function(X, y, beta, free, tol = 1e-11, maxit = 500) {
  ll <- penalised_loglik(beta, X, y)
  for (it in seq_len(maxit)) {
    at <- modified_score(beta, X, y)
    jacobian <- sapply(which(free), function(r) {
      e <- replace(numeric(length(beta)), r, 1e-6)
      (modified_score(beta + e, X, y)$score - modified_score(beta - e, X, y)$score)[free] / 2e-6
    })
    curvature <- -(jacobian + t(jacobian)) / 2
    newton <- all(eigen(curvature, symmetric = TRUE, only.values = TRUE)$values > 0)
    step <- solve(if (newton) curvature else at$info[free, free, drop = FALSE], at$score[free])
    if (max(abs(step)) < tol) return(ll)
    step <- step * min(1, 5 / max(abs(step)))
    repeat {
      trial <- beta
      trial[free] <- beta[free] + step
      l_trial <- penalised_loglik(trial, X, y)
      if (l_trial >= ll - 1e-14 * abs(ll)) break
      step <- step / 2
    }
    beta <- trial
    ll <- l_trial
  }
  stop("the constrained penalised fit did not converge")
}

# 95% profile interval: 2 [l*max - profile l*(b)] = chi2_1(0.95), by uniroot to 1e-11 in b
profile_row <- function(X, y, beta_hat, top, j, se) {
  free <- seq_along(beta_hat) != j
  excess <- function(b) {
    start <- beta_hat
    start[j] <- b
    2 * (top - fit_fixed(X, y, start, free)) - qchisq(0.95, 1)
  }
  bound <- function(direction) {
    width <- 2 * se
    while (excess(beta_hat[j] + direction * width) < 0) width <- 2 * width
    ends <- sort(c(beta_hat[j], beta_hat[j] + direction * width))
    uniroot(excess, ends, tol = 1e-11)$root
  }
  statistic <- excess(0) + qchisq(0.95, 1)
  c(ci_low = bound(-1), ci_high = bound(1), p_value = pchisq(statistic, 1, lower.tail = FALSE))
}

# Started from zero (as logistf starts): brglm2's default start, a maximum likelihood fit, runs
# the coefficient of the demo's one-client level (sex 'other') off to infinity and never converges.
firth_reference <- function(formula, data, name) {
  k <- ncol(model.matrix(formula, data))
  fit <- glm(formula, family = binomial, data = data, method = brglmFit, type = "AS_mean",
             epsilon = 1e-12, maxit = 1000, start = rep(0, k))
  stopifnot(fit$converged)
  X <- model.matrix(fit)
  y <- fit$y
  beta <- coef(fit)
  se <- sqrt(diag(vcov(fit)))
  top <- penalised_loglik(beta, X, y)
  prof <- t(sapply(seq_along(beta), function(j) profile_row(X, y, beta, top, j, se[j])))
  table <- data.frame(term = names(beta), estimate = unname(beta), std_error = unname(se), prof,
                      penalised_loglik = top, loglik = as.numeric(logLik(fit)))
  write.csv(table, file.path(out, paste0("firth_", name, ".csv")), row.names = FALSE)
  print(table, digits = 10)
}

mroz <- read.csv(file.path(data_dir, "mroz.csv"))
mroz$high_wage <- as.integer(mroz$lfp == 1 & mroz$lwg > quantile(mroz$lwg, 0.9))
write.csv(mroz, file.path(data_dir, "mroz_separated.csv"), row.names = FALSE)
firth_reference(lfp ~ k5 + k618 + age + wc + hc + lwg + inc + high_wage, mroz, "mroz")

demo <- read.csv(file.path(data_dir, "firth_demo.csv"))
for (v in c("meeting_band", "sex")) {
  demo[[v]] <- factor(demo[[v]], levels = sort(unique(demo[[v]]), method = "radix"))
}
firth_reference(job_entry ~ meeting_band + sex + age + criminal_conviction + gp_visit_recent, demo, "demo")
