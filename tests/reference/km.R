# Kaplan-Meier (Greenwood, log-log 95% interval), median and log-rank test, for metrics.kaplan_meier
# and impact.survival.logrank. Run from the repository root (`make reference`).
# Writes tests/reference/expected/km_curve.csv, km_median.csv and km_logrank.csv.
#
# Route: survival::survfit(Surv(time, event) ~ 1, conf.type = "log-log") (ipseval's interval);
# median from the survfit table; survival::survdiff(Surv(time, event) ~ group) for the log-rank
# chi-square, observed and expected events.
# Data: Rossi recidivism (week, arrest; log-rank by fin and by prio > 2) and the demo's
# time to first job (tests/reference/data/demo_time_to_job.csv: overall and per area; log-rank by
# area and by integration strength).
suppressPackageStartupMessages(library(survival))
data_dir <- "tests/reference/data"
out_dir <- "tests/reference/expected"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

rossi <- read.csv(file.path(data_dir, "rossi.csv"))
demo <- read.csv(file.path(data_dir, "demo_time_to_job.csv"), colClasses = c(client_id = "character"))

curves <- list()
medians <- list()
km <- function(time, event, data, group) {
  fit <- survfit(Surv(time, event) ~ 1, conf.type = "log-log")
  curves[[length(curves) + 1]] <<- data.frame(
    data = data, group = group, day = fit$time, at_risk = fit$n.risk, events = fit$n.event,
    censored = fit$n.censor, survival = fit$surv, std_err_log = fit$std.err,
    ci_low = fit$lower, ci_high = fit$upper
  )
  medians[[length(medians) + 1]] <<- data.frame(
    data = data, group = group, n = length(time), events = sum(event),
    median = unname(summary(fit)$table["median"])
  )
}
km(rossi$week, rossi$arrest, "rossi", "All")
for (f in 0:1) with(rossi[rossi$fin == f, ], km(week, arrest, "rossi", paste0("fin=", f)))
km(demo$days, demo$event, "demo", "All")
for (area in sort(unique(demo$local_authority))) {
  with(demo[demo$local_authority == area, ], km(days, event, "demo", area))
}
write.csv(do.call(rbind, curves), file.path(out_dir, "km_curve.csv"), row.names = FALSE)
write.csv(do.call(rbind, medians), file.path(out_dir, "km_median.csv"), row.names = FALSE)

tests <- list()
logrank <- function(time, event, group, data, by) {
  test <- survdiff(Surv(time, event) ~ group)
  levels <- sub("^group=", "", names(test$n))
  tests[[length(tests) + 1]] <<- data.frame(
    data = data, by = by, level = levels, observed = test$obs, expected = test$exp,
    chi_square = test$chisq, df = length(levels) - 1,
    p_value = pchisq(test$chisq, length(levels) - 1, lower.tail = FALSE)
  )
}
logrank(rossi$week, rossi$arrest, as.character(rossi$fin), "rossi", "fin")
logrank(rossi$week, rossi$arrest, ifelse(rossi$prio > 2, "yes", "no"), "rossi", "prio_over_2")
logrank(demo$days, demo$event, demo$local_authority, "demo", "local_authority")
logrank(demo$days, demo$event, demo$integration_strength, "demo", "integration_strength")
write.csv(do.call(rbind, tests), file.path(out_dir, "km_logrank.csv"), row.names = FALSE)
cat("wrote km_curve.csv, km_median.csv, km_logrank.csv\n")
