# Funnel plot control limits for the area comparison (ipseval.impact.areas.funnel_limits).
# Run from the repository root (`make reference`). Writes tests/reference/expected/areas_funnel.csv.
#
# Route: Spiegelhalter (2005) exact binomial limits with the interpolated quantile, written with
# R's qbinom, pbinom and dbinom: r = qbinom(prob, n, p0); a = (pbinom(r) - prob) / dbinom(r);
# limit = (r - a) / n, for 95% (0.025, 0.975) and 99.8% (0.001, 0.999) coverage.
# Data: the demo's overall job entry rate (183 of 581) as p0, denominators 1 to 600 and each
# area's denominator. (The area model itself is checked in logit.R.)
data_dir <- "tests/reference/data"
out_dir <- "tests/reference/expected"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
rates <- read.csv(file.path(data_dir, "demo_rates.csv"))
overall <- rates[rates$rate == "job_entry" & rates$breakdown == "overall", ]
p0 <- overall$x / overall$n
n <- sort(unique(c(1:600, rates$n[rates$rate == "job_entry"])))
limit <- function(prob) {
  r <- qbinom(prob, n, p0)
  pmin(pmax((r - (pbinom(r, n, p0) - prob) / dbinom(r, n, p0)) / n, 0), 1)
}
out <- data.frame(n = n, p0 = p0, lower_95 = limit(0.025), upper_95 = limit(0.975),
                  lower_998 = limit(0.001), upper_998 = limit(0.999))
write.csv(out, file.path(out_dir, "areas_funnel.csv"), row.names = FALSE)
cat("wrote areas_funnel.csv\n")
