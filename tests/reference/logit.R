# Logistic regression: coefficients, CR1 / HC1 / model standard errors, t or normal intervals and
# average marginal effects (AMEs) with delta-method SEs, for ipseval.impact.flat.logit.
# Run from the repository root (`make reference`). Writes tests/reference/expected/logit_<name>.csv.
#
# Route: glm(family = binomial) with factors relevelled to ipseval's reference levels;
#   CR1:   sandwich::vcovCL(fit, cluster = ~cl, type = "HC1")  (G/(G-1) * (N-1)/(N-K)), t(G-1)
#   HC1:   sandwich::vcovHC(fit, type = "HC1"), normal
#   model: vcov(fit), normal
# AMEs are computed here from their definitions, not with a package: a number's is the mean of
# beta_j p(1-p); a level's the mean of P(term = level) - P(term = reference) with everyone set to
# each (predict() on counterfactual copies of the data); delta-method SEs with the gradient worked
# out from model.matrix() of those copies.
#
# Data: Mroz (carData) with wc and hc as factors, and every logit of the demo's impact section
# (tests/reference/data/demo_model_<name>.csv with the call in demo_models.json).
suppressPackageStartupMessages({
  library(sandwich)
  library(lmtest)
  library(jsonlite)
})
data_dir <- "tests/reference/data"
out_dir <- "tests/reference/expected"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

reference_logit <- function(data, outcome, terms, categorical = character(), reference = list(),
                            cluster = NULL, se = "cluster_t", ame_terms = terms) {
  keep <- unique(c(outcome, terms, cluster))
  data <- data[complete.cases(data[, keep, drop = FALSE]), keep, drop = FALSE]
  for (t in categorical) {
    data[[t]] <- factor(as.character(data[[t]]))
    if (!is.null(reference[[t]])) data[[t]] <- relevel(data[[t]], ref = reference[[t]])
  }
  fit <- glm(reformulate(terms, outcome), family = binomial, data = data,
             control = glm.control(epsilon = 1e-15, maxit = 100))
  stopifnot(fit$converged)
  beta <- coef(fit)
  if (se == "model") {
    V <- vcov(fit)
    df <- Inf
  } else if (se == "robust") {
    V <- vcovHC(fit, type = "HC1")
    df <- Inf
  } else {
    V <- vcovCL(fit, cluster = data[[cluster]], type = "HC1")
    df <- length(unique(data[[cluster]])) - 1
  }
  ct <- coeftest(fit, vcov. = V, df = df)
  ci <- coefci(fit, vcov. = V, df = df)
  crit <- if (is.finite(df)) qt(0.975, df) else qnorm(0.975)

  # one row per coefficient, named by term and level as ipseval names them
  term_of <- attr(model.matrix(fit), "assign")
  labels <- attr(terms(fit), "term.labels")
  term <- c("(Intercept)", labels[term_of[-1]])
  level <- mapply(function(name, t) {
    if (t %in% categorical) substring(name, nchar(t) + 1) else ""
  }, names(beta), term, USE.NAMES = FALSE)
  level[1] <- ""

  # average marginal effects and their delta-method standard errors
  X <- model.matrix(fit)
  p <- fitted(fit)
  dens <- p * (1 - p)
  ame <- rep(NA_real_, length(beta))
  ame_se <- rep(NA_real_, length(beta))
  design_at <- function(t, value) {
    copy <- data
    copy[[t]] <- factor(rep(value, nrow(copy)), levels = levels(data[[t]]))
    model.matrix(delete.response(terms(fit)), copy, xlev = fit$xlevels)
  }
  for (j in seq_along(beta)[-1]) {
    t <- term[j]
    if (!(t %in% ame_terms)) next
    if (t %in% categorical) {
      X1 <- design_at(t, level[j])
      X0 <- design_at(t, levels(data[[t]])[1])
      p1 <- plogis(drop(X1 %*% beta))
      p0 <- plogis(drop(X0 %*% beta))
      ame[j] <- mean(p1 - p0)
      grad <- colMeans(X1 * (p1 * (1 - p1)) - X0 * (p0 * (1 - p0)))
    } else {
      ame[j] <- mean(beta[j] * dens)
      grad <- beta[j] * colMeans(X * (dens * (1 - 2 * p)))
      grad[j] <- grad[j] + mean(dens)
    }
    ame_se[j] <- sqrt(drop(t(grad) %*% V %*% grad))
  }
  data.frame(
    term = term, level = level, estimate = unname(beta), std_error = unname(ct[, 2]),
    ci_low = unname(ci[, 1]), ci_high = unname(ci[, 2]), p_value = unname(ct[, 4]),
    odds_ratio = unname(exp(beta)), ame = ame, ame_std_error = ame_se,
    ame_ci_low = ame - crit * ame_se, ame_ci_high = ame + crit * ame_se,
    n = nrow(data), clusters = if (is.finite(df)) df + 1 else NA, log_likelihood = as.numeric(logLik(fit))
  )
}

write_expected <- function(table, name) {
  write.csv(table, file.path(out_dir, paste0("logit_", name, ".csv")), row.names = FALSE)
  cat("wrote logit_", name, ".csv\n", sep = "")
}

options(digits = 17)

# --- Mroz: labour force participation; clusters = age in years (31), as a test of the CR1 factor
mroz <- read.csv(file.path(data_dir, "mroz.csv"))
mroz_terms <- c("k5", "k618", "age", "wc", "hc", "lwg", "inc")
for (se in c("cluster_t", "robust", "model")) {
  table <- reference_logit(mroz, "lfp", mroz_terms, categorical = c("wc", "hc"),
                           reference = list(wc = "0", hc = "0"),
                           cluster = if (se == "cluster_t") "age" else NULL, se = se)
  write_expected(table, paste0("mroz_", se))
}

# --- the demo's impact models, exactly as ipseval fitted them
specs <- fromJSON(file.path(data_dir, "demo_models.json"), simplifyVector = FALSE)
for (name in names(specs)) {
  s <- specs[[name]]
  categorical <- unlist(s$categorical)
  data <- read.csv(file.path(data_dir, paste0("demo_model_", name, ".csv")),
                   colClasses = setNames(rep("character", length(categorical)), categorical),
                   na.strings = "NA", check.names = FALSE)
  cluster <- if (is.null(s$cluster)) NULL else s$cluster
  table <- reference_logit(data, s$outcome, unlist(s$terms), categorical, s$reference,
                           cluster = cluster, se = s$se, ame_terms = unlist(s$ame_terms))
  write_expected(table, paste0("demo_", name))
}
