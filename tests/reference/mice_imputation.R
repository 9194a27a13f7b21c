# Multiple imputation itself (ipseval.impact.imputation) against R's mice, within Monte Carlo error.
# Run from the repository root (`make reference`). Writes tests/reference/expected/mice_imputation.csv.
#
# The frame and model are the demo's published-style model (tests/reference/data/demo_mi_frame.csv,
# demo_mi.json, written by export_demo.py): mice(m = 20, maxit = 5, every incomplete column by
# predictive mean matching, as ipseval), a logit on each completed table, pooled by Rubin's rules
# (mice::pool). Repeated for 3 seeds; per seed the pooled log odds ratio of each meeting band and
# its between-imputation variance B (the Monte Carlo variance of a pooled estimate is about B / m).
suppressPackageStartupMessages({
  library(mice)
  library(jsonlite)
})
spec <- fromJSON("tests/reference/data/demo_mi.json")
d <- read.csv("tests/reference/data/demo_mi_frame.csv", stringsAsFactors = FALSE, na.strings = c("", "NA"))
for (v in spec$categorical) d[[v]] <- relevel(factor(d[[v]]), ref = spec$reference[[v]])
method <- make.method(d)
method[method != ""] <- "pmm"
model <- as.formula(paste("job_entry ~", paste(spec$terms, collapse = " + ")))
m <- 20
rows <- list()
for (seed in c(1, 2, 3)) {
  imp <- mice(d, m = m, method = method, maxit = 5, seed = seed, printFlag = FALSE)
  fits <- as.mira(lapply(seq_len(m), function(i) glm(model, family = binomial, data = complete(imp, i))))
  pooled <- pool(fits)$pooled
  bands <- pooled[grepl("^meeting_band", pooled$term), ]
  rows[[seed]] <- data.frame(seed = seed, level = sub("^meeting_band", "", bands$term),
                             estimate = bands$estimate, between = bands$b, m = m)
}
out <- do.call(rbind, rows)
write.csv(out, "tests/reference/expected/mice_imputation.csv", row.names = FALSE)
cat("wrote mice_imputation.csv\n")
