# R's mice on the frame ipseval imputes (written by benchmarks/reference/mice_frame.py), timed.
#
# Usage: Rscript benchmarks/reference/mice_frame.R OUT_DIR [m] [method]
#
# Reads OUT_DIR/mi_frame.csv and OUT_DIR/mi.json; imputes the incomplete columns with
# mice(m, maxit = iterations, method) where method is "pmm" (default: every incomplete column by
# predictive mean matching, as ipseval) or "default" (mice's own choice: pmm for numbers, logreg
# for two levels, polyreg for more); every other column predicts every incomplete one, as in
# ipseval. Then fits the logit of the outcome on every column to each completed table (glm, no
# clustered errors) and pools (mice::pool). Prints CPU (user + system) and wall seconds of the
# imputation and of the fits, and the load average.
suppressPackageStartupMessages({
  library(mice)
  library(jsonlite)
})
args <- commandArgs(TRUE)
out <- args[1]
spec <- fromJSON(file.path(out, "mi.json"))
m <- if (length(args) >= 2) as.integer(args[2]) else spec$m
how <- if (length(args) >= 3) args[3] else "pmm"
d <- read.csv(file.path(out, "mi_frame.csv"), stringsAsFactors = FALSE, na.strings = c("", "NA"))
for (v in spec$categorical) d[[v]] <- factor(d[[v]])
method <- make.method(d)
if (how == "pmm") method[method != ""] <- "pmm"
load_average <- function() {
  paste(strsplit(readLines("/proc/loadavg"), " ")[[1]][1:3], collapse = ", ")
}
clock <- function(label, expr) {
  t <- system.time(value <- force(expr))
  cat(sprintf("mice %s: %.1f CPU-s, %.1f s wall (load average %s)\n", label,
              t[["user.self"]] + t[["sys.self"]], t[["elapsed"]], load_average()))
  value
}
imp <- clock(sprintf("imputation (m = %d, maxit = %d, method %s, %d rows)", m, spec$iterations, how, nrow(d)),
             mice(d, m = m, maxit = spec$iterations, method = method, seed = 1, printFlag = FALSE))
outcome <- spec$predictors[1]
model <- as.formula(paste(outcome, "~", paste(setdiff(names(d), outcome), collapse = " + ")))
invisible(clock(sprintf("%d logits and pooling", m),
      summary(pool(as.mira(lapply(seq_len(m), function(i) glm(model, family = binomial, data = complete(imp, i))))))))
