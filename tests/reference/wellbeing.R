# Wellbeing change statistics (ipseval.wellbeing.stats), per measure of the demo.
# Run from the repository root (`make reference`). Writes tests/reference/expected/wellbeing_*.csv.
#
# Route, on the change in the better direction d (follow-up - baseline, reversed when lower is
# better), for measures with at least 10 clients (settings.wellbeing.min_pairs):
#   t.test(d)  (= t.test(follow_up, baseline, paired = TRUE) up to the direction): mean, 95% CI,
#              t, df, p;  Cohen's d_z = mean(d) / sd(d);
#   wilcox.test(d) with R's defaults (exact = NULL, correct = TRUE): zeros dropped; exact when
#              fewer than 50 and no ties or zeros, otherwise normal with continuity correction;
#   p.adjust(method = "holm") across measures;
#   the change's mean, CI, Cohen's d_z and t are then reported in the measure's own units and
#   sign (follow-up - baseline: d times -1 where lower is better); improved/worse and the Wilcoxon
#   V stay in the better direction;
#   t.test(d[found work], d[not found work]) (Welch) per measure among clients in the job-entry
#              denominator, where both groups have 10 or more, Holm across those measures.
# Data: tests/reference/data/demo_wellbeing.csv (followed-up clients per measure).
data_dir <- "tests/reference/data"
out_dir <- "tests/reference/expected"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
min_pairs <- 10

scores <- read.csv(file.path(data_dir, "demo_wellbeing.csv"))
rows <- list()
jobs <- list()
for (key in unique(scores$key)) {
  s <- scores[scores$key == key, ]
  d <- s$follow_up_score - s$baseline_score
  if (s$higher_is_better[1] == 0) d <- -d
  d <- round(d, 9)
  row <- data.frame(key = key, n = length(d), improved = sum(d > 0), no_change = sum(d == 0),
                    worse = sum(d < 0), change_mean = mean(d), change_sd = sd(d),
                    change_ci_low = NA, change_ci_high = NA, effect_size = NA, t_statistic = NA,
                    df = NA, p_t = NA, wilcoxon_v = NA, p_wilcoxon = NA, wilcoxon_exact = NA)
  if (length(d) >= min_pairs) {
    tt <- t.test(d)
    w <- suppressWarnings(wilcox.test(d))
    row[, c("change_ci_low", "change_ci_high")] <- tt$conf.int
    row$effect_size <- mean(d) / sd(d)
    row$t_statistic <- unname(tt$statistic)
    row$df <- unname(tt$parameter)
    row$p_t <- tt$p.value
    row$wilcoxon_v <- unname(w$statistic)
    row$p_wilcoxon <- w$p.value
    row$wilcoxon_exact <- grepl("exact", w$method) || !grepl("continuity", w$method)
  }
  if (s$higher_is_better[1] == 0) {  # own units: follow-up - baseline
    row$change_mean <- -row$change_mean
    row[, c("change_ci_low", "change_ci_high")] <- -row[, c("change_ci_high", "change_ci_low")]
    row$effect_size <- -row$effect_size
    row$t_statistic <- -row$t_statistic
  }
  rows[[key]] <- row
  inden <- s$in_denominator == 1
  work <- d[inden & s$found_work == 1]
  no <- d[inden & s$found_work == 0]
  if (min(length(work), length(no)) >= min_pairs) {
    welch <- t.test(work, no)
    jobs[[key]] <- data.frame(key = key, found_work = length(work), no_work = length(no),
                              difference = mean(work) - mean(no), ci_low = welch$conf.int[1],
                              ci_high = welch$conf.int[2], df = unname(welch$parameter),
                              p_value = welch$p.value)
  }
}
rows <- do.call(rbind, rows)
rows$p_t_holm <- p.adjust(rows$p_t, method = "holm")
rows$p_wilcoxon_holm <- p.adjust(rows$p_wilcoxon, method = "holm")
jobs <- do.call(rbind, jobs)
jobs$p_value_holm <- p.adjust(jobs$p_value, method = "holm")
write.csv(rows, file.path(out_dir, "wellbeing_change.csv"), row.names = FALSE)
write.csv(jobs, file.path(out_dir, "wellbeing_by_job_entry.csv"), row.names = FALSE)
cat("wrote wellbeing_change.csv, wellbeing_by_job_entry.csv\n")

# The exact Wilcoxon path (fewer than 50 changes, no ties, no zeros), which the demo's whole-number
# scores never take: the change from a baseline of 1 to the log wage (lwg) of the first 30 Mroz
# women with distinct wages.
mroz <- read.csv(file.path(data_dir, "mroz.csv"))
d <- head(round(unique(mroz$lwg[mroz$lfp == 1]) - 1, 9), 30)
stopifnot(!anyDuplicated(abs(d)), all(d != 0))
w <- wilcox.test(d)
tt <- t.test(d)
exact <- data.frame(key = "mroz|lwg - 1", n = length(d), wilcoxon_v = unname(w$statistic),
                    p_wilcoxon = w$p.value, method = w$method, t_statistic = unname(tt$statistic),
                    p_t = tt$p.value, effect_size = mean(d) / sd(d))
write.csv(exact, file.path(out_dir, "wellbeing_exact.csv"), row.names = FALSE)
cat("wrote wellbeing_exact.csv\n")
