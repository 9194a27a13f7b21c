# Propensity score weighting for the comparison-group analysis (ipseval.impact.compare, method
# "ipw"): ATT with odds weights, its analytic sandwich SE, balance and effective sample size.
# Run from the repository root (`make reference`). Writes tests/reference/expected/ipw_*.csv.
#
# Route (all by hand from glm and sandwich's pieces, not with a weighting package):
#   propensity: glm(treat ~ age + educ + race + married + nodegree + re74 + re75, binomial);
#   support: comparison people below the lowest treated score and treated people above the
#     highest comparison score are left out (min-max common support);
#   ATT = mean(y | treated) - sum(w y | comparison) / sum(w), w = e / (1 - e);
#   SE from the influence function of the ATT, with the propensity model's own influence
#     (bread(fit) %*% t(estfun(fit)) / n) carried through the weights: the stacked M-estimator
#     of (beta, mu1, mu0), propensity estimation accounted for, support held fixed;
#   balance: standardised differences (weighted means; SD pooled from the unweighted groups),
#     variance ratios, Kish's effective n of the comparison weights; E-value of the risk ratio
#     p1 / p0 (VanderWeele & Ding: RR + sqrt(RR (RR - 1))).
# Data: lalonde (MatchIt; NSW treated and PSID controls); outcomes re78 and employed78 = re78 > 0.
suppressPackageStartupMessages(library(sandwich))
data_dir <- "tests/reference/data"
out_dir <- "tests/reference/expected"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

lalonde <- read.csv(file.path(data_dir, "lalonde.csv"))
lalonde$employed78 <- as.integer(lalonde$re78 > 0)
fit <- glm(treat ~ age + educ + race + married + nodegree + re74 + re75, family = binomial,
           data = lalonde, control = glm.control(epsilon = 1e-15, maxit = 100))
e <- fitted(fit)
t <- lalonde$treat
S <- !((t == 0 & e < min(e[t == 1])) | (t == 1 & e > max(e[t == 0])))
w <- e / (1 - e)
n <- nrow(lalonde)
X <- model.matrix(fit)
if_beta <- t(bread(fit) %*% t(estfun(fit))) / n  # influence of each person on beta-hat, n x k

att <- function(y) {
  mu1 <- mean(y[S & t == 1])
  c0 <- S & t == 0
  mu0 <- sum(w[c0] * y[c0]) / sum(w[c0])
  # influence functions of mu1 and mu0 (the latter through beta as well)
  if1 <- S * t * (y - mu1) / mean(S * t)
  dpsi0 <- colMeans(X * (S * (1 - t) * w * (y - mu0)))
  if0 <- (S * (1 - t) * w * (y - mu0) + drop(if_beta %*% dpsi0) * n) / mean(S * (1 - t) * w)
  se <- sqrt(sum((if1 - if0)^2)) / n
  rr <- mu1 / mu0
  data.frame(estimate = mu1 - mu0, treated_risk = mu1, counterfactual_risk = mu0,
             std_error_analytic = se, treated_n = sum(S & t == 1), comparison_n = sum(c0),
             comparison_ess = sum(w[c0])^2 / sum(w[c0]^2), risk_ratio = rr,
             e_value = { r <- if (rr < 1) 1 / rr else rr; r + sqrt(r * (r - 1)) },
             naive_estimate = mean(y[t == 1]) - mean(y[t == 0]))
}
results <- rbind(cbind(outcome = "re78", att(lalonde$re78)),
                 cbind(outcome = "employed78", att(lalonde$employed78)))
results$risk_ratio[results$outcome == "re78"] <- NA
results$e_value[results$outcome == "re78"] <- NA
write.csv(results, file.path(out_dir, "ipw_att.csv"), row.names = FALSE)

# balance before (everyone, unweighted) and after (supported, comparison weighted by w)
wmv <- function(x, wt) {
  m <- sum(wt * x) / sum(wt)
  c(m, sum(wt * (x - m)^2) / (sum(wt) - sum(wt^2) / sum(wt)))
}
B <- with(lalonde, cbind(age, educ, black = race == "black", hispan = race == "hispan",
                         white = race == "white", married, nodegree, re74, re75))
B <- cbind(B, lps = qlogis(e))
rows <- data.frame(covariate = c("age", "educ", "race", "race", "race", "married", "nodegree", "re74",
                                 "re75", "propensity score (logit)"),
                   level = c("", "", "black", "hispan", "white", "", "", "", "", ""))
continuous <- c(TRUE, TRUE, FALSE, FALSE, FALSE, FALSE, FALSE, TRUE, TRUE, TRUE)
after_w <- ifelse(t == 1, 1, w) * S
for (j in seq_len(ncol(B))) {
  x <- B[, j]
  b1 <- wmv(x[t == 1], rep(1, sum(t == 1)))
  b0 <- wmv(x[t == 0], rep(1, sum(t == 0)))
  a1 <- wmv(x[t == 1 & S], after_w[t == 1 & S])
  a0 <- wmv(x[t == 0 & S], after_w[t == 0 & S])
  sd <- sqrt((b1[2] + b0[2]) / 2)
  rows[j, c("smd_before", "smd_after")] <- c(b1[1] - b0[1], a1[1] - a0[1]) / sd
  rows[j, c("var_ratio_before", "var_ratio_after")] <- if (continuous[j]) c(b1[2] / b0[2], a1[2] / a0[2]) else NA
}
write.csv(rows, file.path(out_dir, "ipw_balance.csv"), row.names = FALSE)
cat("wrote ipw_att.csv, ipw_balance.csv\n")
