# Public data sets the reference scripts and tests share, written once as CSV so that the
# Python tests read exactly what R read. Run from the repository root (`make reference`).
#   rossi:   Rossi et al. recidivism data (carData::Rossi, 432 released prisoners)
#   mroz:    Mroz women's labour force participation (carData::Mroz, 753 women)
#   lalonde: NSW treated and PSID/CPS controls (MatchIt::lalonde, 614 men)
suppressPackageStartupMessages({
  library(carData)
  library(MatchIt)
})
out <- "tests/reference/data"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
rossi <- carData::Rossi[, c("week", "arrest", "fin", "age", "race", "wexp", "mar", "paro", "prio")]
for (v in c("fin", "race", "wexp", "mar", "paro")) rossi[[v]] <- as.integer(rossi[[v]]) - 1L
rossi$id <- seq_len(nrow(rossi))
write.csv(rossi, file.path(out, "rossi.csv"), row.names = FALSE)
mroz <- carData::Mroz
for (v in c("lfp", "wc", "hc")) mroz[[v]] <- as.integer(mroz[[v]]) - 1L
write.csv(mroz, file.path(out, "mroz.csv"), row.names = FALSE)
data("lalonde", package = "MatchIt")
lalonde$id <- seq_len(nrow(lalonde))
write.csv(lalonde, file.path(out, "lalonde.csv"), row.names = FALSE)
