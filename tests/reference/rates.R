# Wilson 95% intervals of the outcome tables (job entry, 16+ hours, sustainment, meeting bands).
# Run from the repository root (`make reference`). Writes tests/reference/expected/rates_wilson.csv.
#
# Route: prop.test(x, n, correct = FALSE)$conf.int, the score interval without continuity
# correction (R clips it to 0 at x = 0 and to 1 at x = n, as ipseval does). Data: the demo's counts
# (tests/reference/data/demo_rates.csv) and a few edge cases (0 of n, n of n, 1 of 1, 1 of 2).
data_dir <- "tests/reference/data"
out_dir <- "tests/reference/expected"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

counts <- read.csv(file.path(data_dir, "demo_rates.csv"), colClasses = c(group = "character"))
edges <- data.frame(rate = "edge", breakdown = "edge", group = c("0/25", "25/25", "1/1", "1/2", "3/1000"),
                    x = c(0, 25, 1, 1, 3), n = c(25, 25, 1, 2, 1000))
counts <- rbind(counts, edges)
wilson <- t(mapply(function(x, n) suppressWarnings(prop.test(x, n, correct = FALSE)$conf.int), counts$x, counts$n))
counts$rate_estimate <- counts$x / counts$n
counts$ci_low <- wilson[, 1]
counts$ci_high <- wilson[, 2]
write.csv(counts, file.path(out_dir, "rates_wilson.csv"), row.names = FALSE)
cat("wrote rates_wilson.csv\n")
