# The demo's headline figures, as an analyst would compute them by hand in R with data.table,
# survival and sandwich from the raw CSV files (the reference `make bench` times ipseval against).
#
# Usage: Rscript benchmarks/reference/headline.R DATA OUT.json [--data-cut=YYYY-MM-DD]
#        [--merge-no-meetings-up-to=N] [--time-to-job=km|aj] [--no-model]
#
# The same rules and output as headline.py (see its docstring and benchmarks/README.md): rows the
# data standard calls errors are dropped, then a flat JSON {"outcomes.overall.job_entry_rate": ...}
# is written whose names are ipseval's result tables, rows and columns.

suppressPackageStartupMessages({
  library(data.table)
  library(survival)
  library(sandwich)
})

HOURS_THRESHOLD <- 16
WINDOW_MONTHS <- 9L
HORIZON_WEEKS <- 13L
MONTHS <- c(3, 6, 9, 12)
BANDS <- c("1-4", "5-9", "10-19", "20+")
BAND_BREAKS <- c(0.5, 4.5, 9.5, 19.5, Inf)
DAYS_PER_MONTH <- 365.25 / 12
Z <- 1.959963984540054

BLANKS <- c("", "NULL", "null", "Null", "NA", "N/A", "n/a", "na")
YES <- c("yes", "y", "true", "1", "t")
NO <- c("no", "n", "false", "0", "f")
CODES <- list(
  referral_source = c("drug_alcohol_service", "self", "gp_health", "criminal_justice", "jobcentre", "other", "unknown"),
  discharge_reason = c("support_complete", "disengaged", "moved_away", "declined", "other", "unknown"),
  sex = c("female", "male", "other", "unknown"),
  ethnicity = c("white", "mixed", "asian", "black", "other", "unknown"),
  main_substance = c("alcohol", "opiates", "crack", "cocaine", "cannabis", "other", "unknown"),
  treatment_status = c("in_treatment", "completed_treatment", "not_in_treatment", "unknown"),
  time_since_last_job = c("never_worked", "under_1y", "1_to_2y", "2_to_5y", "5_to_10y", "over_10y", "unknown"),
  benefits = c("out_of_work", "in_work", "none", "unknown"),
  housing_tenure = c("owner", "social_rent", "private_rent", "supported_temporary", "homeless", "other", "unknown"),
  highest_qualification = c("none", "level_1_2", "level_3", "level_4_plus", "other", "unknown"),
  mode = c("face_to_face", "phone", "video", "other")
)
RULES <- list(
  clients = list(
    required = c("client_id", "local_authority", "referral_date"),
    dates = c("referral_date", "engagement_date", "discharge_date"),
    bools = c("employed_at_referral", "gp_visit_recent", "ae_visit_recent", "criminal_conviction"),
    codes = setdiff(names(CODES), "mode"),
    numbers = list(age = c(16, 99, 1), work_confidence = c(0, 10, 1))
  ),
  meetings = list(required = c("client_id", "meeting_date"), dates = "meeting_date", bools = "attended",
                  codes = "mode", numbers = list()),
  jobs = list(required = c("client_id", "start_date"), dates = c("start_date", "end_date"),
              bools = "self_employed", codes = character(), numbers = list(hours_per_week = c(0, 80, 0)))
)

# ------------------------------------------------------------------ reading and cleaning

read_table <- function(folder, table) {
  dt <- fread(file.path(folder, paste0(table, ".csv")), colClasses = "character", na.strings = BLANKS,
              strip.white = TRUE, encoding = "UTF-8", showProgress = FALSE)
  setnames(dt, tolower(trimws(names(dt))))
  dt
}

# YYYY-MM-DD, else DD/MM/YYYY; each distinct text parsed once (dates repeat a lot)
parse_dates <- function(x) {
  u <- unique(x)
  d <- as.IDate(u, format = "%Y-%m-%d")
  d[is.na(d)] <- as.IDate(u[is.na(d)], format = "%d/%m/%Y")
  d[match(x, u)]
}

# Converts the table's columns in place; returns which rows have an error.
convert <- function(dt, table, cut) {
  r <- RULES[[table]]
  bad <- Reduce(`|`, lapply(r$required, function(c) is.na(dt[[c]])))
  for (c in r$dates) {
    d <- parse_dates(dt[[c]])
    bad <- bad | (!is.na(dt[[c]]) & is.na(d)) | (!is.na(d) & (d > cut | d < as.IDate("1900-01-01")))
    set(dt, j = c, value = d)
  }
  for (c in r$bools) {
    low <- tolower(dt[[c]])
    bad <- bad | (!is.na(low) & !(low %chin% c(YES, NO)))
    set(dt, j = c, value = fifelse(low %chin% YES, TRUE, fifelse(low %chin% NO, FALSE, NA)))
  }
  for (c in r$codes) bad <- bad | (!is.na(dt[[c]]) & !(tolower(dt[[c]]) %chin% CODES[[c]]))
  for (c in names(r$numbers)) {
    lim <- r$numbers[[c]]
    x <- suppressWarnings(as.numeric(dt[[c]]))
    bad <- bad | (!is.na(dt[[c]]) & is.na(x)) | (!is.na(x) & (x < lim[1] | x > lim[2] | (lim[3] & x %% 1 > 0)))
    set(dt, j = c, value = x)
  }
  bad
}

clean_clients <- function(folder, cut) {
  dt <- read_table(folder, "clients")
  bad <- convert(dt, "clients", cut)
  bad <- bad | dt[, (!is.na(engagement_date) & engagement_date < referral_date) |
                    (!is.na(discharge_date) & discharge_date < referral_date) |
                    (!is.na(engagement_date) & !is.na(discharge_date) & engagement_date > discharge_date)]
  bad <- bad | (!is.na(dt$client_id) & duplicated(dt$client_id))
  dt[, ok := !bad]
  lookup <- unique(dt[!is.na(client_id), .(client_id, ok, client_referral = referral_date)], by = "client_id")
  list(clients = dt[ok == TRUE], lookup = lookup)
}

clean_linked <- function(folder, table, event, lookup, cut) {
  dt <- read_table(folder, table)
  bad <- convert(dt, table, cut)
  if (table == "jobs") bad <- bad | dt[, !is.na(end_date) & end_date < start_date]
  client <- lookup[dt[, .(client_id)], on = "client_id"]
  bad <- bad | !client$ok %in% TRUE | (!is.na(dt[[event]]) & dt[[event]] < client$client_referral)
  dt[!bad]
}

data_cut <- function(folder, given) {
  if (!is.null(given)) return(as.IDate(given))
  toml <- file.path(folder, "ipseval.toml")
  if (file.exists(toml)) {
    line <- grep("^\\s*data_cut\\s*=", readLines(toml), value = TRUE)
    if (length(line)) return(as.IDate(sub(".*=\\s*([0-9-]{10}).*", "\\1", line[1])))
  }
  today <- as.IDate(Sys.Date())
  latest <- unlist(lapply(names(RULES), function(t) {
    dt <- read_table(folder, t)
    lapply(RULES[[t]]$dates, function(c) { d <- parse_dates(dt[[c]]); max(d[d <= today], na.rm = TRUE) })
  }))
  as.IDate(max(latest))
}

# ------------------------------------------------------------------ one row per client

# d + k months, the day clamped to the month's last (31 Jan + 1 month = 28/29 Feb)
add_months <- function(d, k) {
  u <- unique(d[!is.na(d)])
  m <- year(u) * 12L + month(u) - 1L + k
  first <- as.IDate(sprintf("%d-%02d-01", m %/% 12L, m %% 12L + 1L))
  last_day <- mday(as.IDate(sprintf("%d-%02d-01", (m + 1L) %/% 12L, (m + 1L) %% 12L + 1L)) - 1L)
  (first + pmin(mday(u), last_day) - 1L)[match(d, u)]
}

first_jobs <- function(jobs, cut) {
  jobs <- jobs[start_date <= cut]
  jobs[, `:=`(end_ = fcoalesce(end_date, as.IDate("9999-12-31")), hours_ = fcoalesce(hours_per_week, -Inf))]
  setorder(jobs, client_id, start_date, -end_, -hours_)
  jobs[, .(first_start = start_date[1], first_end = end_date[1], first_hours = hours_per_week[1],
           job_starts = .N), by = client_id]
}

client_facts <- function(clients, meetings, jobs, cut) {
  met <- meetings[attended %in% c(TRUE, NA) & meeting_date <= cut, .(meetings = .N), by = client_id]
  f <- first_jobs(jobs, cut)[met[clients, on = "client_id"], on = "client_id"]
  f[is.na(meetings), meetings := 0L]
  f[, engaged := !is.na(engagement_date)]
  f[, in_denominator := engaged & !(employed_at_referral %in% TRUE)]  # blank = not in work
  f[, job_entry := in_denominator & !is.na(first_start)]
  f[, within_window := job_entry & first_start <= add_months(engagement_date, WINDOW_MONTHS)]
  f[, band := cut(meetings, BAND_BREAKS, labels = BANDS)]
  f[, follow_up_end := pmin(fcoalesce(discharge_date, cut), cut)]
  f
}

# ------------------------------------------------------------------ figures

wilson <- function(x, n, side) {
  p <- x / n
  centre <- p + Z^2 / (2 * n)
  half <- Z * sqrt(p * (1 - p) / n + Z^2 / (4 * n^2))
  bound <- (centre + side * half) / (1 + Z^2 / n)
  fifelse(n == 0, NA_real_, if (side < 0) fifelse(x <= 0, 0, bound) else fifelse(x >= n, 1, bound))
}

add_rate <- function(dt, name, x, n, interval = TRUE) {
  prefix <- sub("_rate$", "", name)
  dt[, (name) := fifelse(get(n) > 0, get(x) / get(n), NA_real_)]
  if (interval) dt[, paste0(prefix, c("_ci_low", "_ci_high")) := .(wilson(get(x), get(n), -1), wilson(get(x), get(n), 1))]
  dt
}

outcome_rows <- function(d) d[, .(
  referrals = .N, engaged = sum(engaged), denominator = sum(in_denominator), job_entries = sum(job_entry),
  first_jobs_hours_known = sum(job_entry & !is.na(first_hours)),
  first_jobs_16plus = sum(job_entry & !is.na(first_hours) & first_hours >= HOURS_THRESHOLD),
  entries_within_window = sum(within_window),
  meetings_per_engaged_client = mean(meetings[engaged]), median_meetings = as.numeric(median(meetings[engaged]))
)]

outcomes <- function(facts) {
  by_area <- facts[, outcome_rows(.SD), by = local_authority][order(local_authority)]
  dt <- rbind(data.table(row = "overall", outcome_rows(facts)),
              by_area[, row := paste0("local_authority.", local_authority)][, !"local_authority"])
  add_rate(dt, "job_entry_rate", "job_entries", "denominator")
  add_rate(dt, "share_16plus", "first_jobs_16plus", "first_jobs_hours_known")
  add_rate(dt, "share_within_window", "entries_within_window", "job_entries", interval = FALSE)
}

sustainment <- function(facts, cut) {
  e <- facts[job_entry == TRUE]
  lasted <- as.integer(fcoalesce(e$first_end, cut) - e$first_start)
  not_yet_due <- as.integer(cut - e$first_start) < 7L * HORIZON_WEEKS
  dt <- data.table(row = paste0("overall.", HORIZON_WEEKS), first_jobs = nrow(e), not_yet_due = sum(not_yet_due),
                   sustained = sum(!not_yet_due & lasted >= 7L * HORIZON_WEEKS))
  dt[, due := first_jobs - not_yet_due]
  add_rate(dt, "sustained_rate", "sustained", "due")
}

# the denominator with its band; without meetings: a band of its own, or counted in the first
banded <- function(facts, merge_up_to) {
  den <- facts[in_denominator == TRUE]
  without <- sum(is.na(den$band))
  if (without >= 1 && without <= merge_up_to) {
    merged <- sub("^1-", "0-", BANDS[1])
    levels(den$band)[1] <- merged
    den[is.na(band), band := merged]
  } else {
    den[, band := factor(fcoalesce(as.character(band), "No meetings"), levels = c("No meetings", BANDS))]
  }
  den
}

band_table <- function(den) {
  dt <- den[, .(clients = .N, job_entries = sum(job_entry)), keyby = band]
  dt <- dt[.(factor(levels(den$band), levels(den$band))), on = "band"][is.na(clients), `:=`(clients = 0L, job_entries = 0L)]
  add_rate(dt[, row := as.character(band)][, !"band"], "job_entry_rate", "job_entries", "clients")
}

band_logit <- function(den) {
  d <- den[band != "No meetings"]
  d[, band := droplevels(band)]
  fit <- glm(job_entry ~ band, family = binomial, data = d, control = glm.control(epsilon = 1e-12, maxit = 50))
  se <- sqrt(diag(vcovCL(fit, cluster = ~local_authority, type = "HC1")))
  df_t <- uniqueN(d$local_authority) - 1L
  crit <- qt(0.975, df_t)
  b <- coef(fit)
  dt <- data.table(row = sub("^band", "", names(b)), estimate = b, std_error = se,
                   ci_low = b - crit * se, ci_high = b + crit * se, p_value = 2 * pt(-abs(b / se), df_t))
  dt[, `:=`(odds_ratio = exp(estimate), or_ci_low = exp(ci_low), or_ci_high = exp(ci_high))]
  dt[row != "(Intercept)"]
}

# ------------------------------------------------------------------ time to first job

time_to_job <- function(facts) {
  den <- facts[in_denominator == TRUE]
  den[, .(days = pmax(as.integer(fifelse(job_entry, first_start, follow_up_end) - engagement_date), 0L),
          status = fifelse(job_entry, 1L, fifelse(!is.na(discharge_date) & discharge_date <= follow_up_end, 2L, 0L)))]
}

time_to_job_at <- function(facts, method) {
  t2j <- time_to_job(facts)
  times <- MONTHS * DAYS_PER_MONTH
  if (method == "km") {
    fit <- survfit(Surv(days, status == 1L) ~ 1, data = t2j)
    in_work <- 1 - summary(fit, times = times, extend = TRUE)$surv
  } else {
    fit <- survfit(Surv(days, factor(status, levels = 0:2)) ~ 1, data = t2j)
    in_work <- summary(fit, times = times, extend = TRUE)$pstate[, which(fit$states == "1")]
  }
  data.table(row = paste0("overall.", MONTHS),
             at_risk = sapply(times, function(t) t2j[, sum(days >= t)]),
             job_entries_by_then = sapply(times, function(t) t2j[, sum(days <= t & status == 1L)]),
             in_work = in_work)
}

# ------------------------------------------------------------------ output

flat <- function(prefix, dt) {
  cols <- setdiff(names(dt), "row")
  keys <- as.vector(t(outer(paste(prefix, dt$row, sep = "."), cols, paste, sep = ".")))
  values <- unlist(lapply(seq_len(nrow(dt)), function(i) lapply(cols, function(c) dt[[c]][i])), recursive = FALSE)
  setNames(values, keys)
}

json_value <- function(v) {
  if (is.na(v)) "null" else if (is.integer(v)) as.character(v) else sprintf("%.17g", v)
}

write_json <- function(figures, path) {
  names <- gsub("\"", "\\\\\"", names(figures))
  body <- paste0(" \"", names, "\": ", vapply(figures, json_value, ""), collapse = ",\n")
  writeLines(c("{", body, "}"), path)
}

headline <- function(folder, cut, merge_up_to, method, model) {
  cl <- clean_clients(folder, cut)
  meetings <- clean_linked(folder, "meetings", "meeting_date", cl$lookup, cut)
  jobs <- clean_linked(folder, "jobs", "start_date", cl$lookup, cut)
  facts <- client_facts(cl$clients, meetings, jobs, cut)
  den <- banded(facts, merge_up_to)
  figures <- c(flat("outcomes", outcomes(facts)), flat("sustainment", sustainment(facts, cut)),
               flat("job_entry_by_meeting_band", band_table(den)), flat("time_to_job_at", time_to_job_at(facts, method)))
  if (model) figures <- c(figures, flat("impact_published_unadjusted.meeting_band", band_logit(den)))
  figures
}

main <- function(args) {
  opt <- function(name, default = NULL) {
    hit <- grep(paste0("^--", name, "="), args, value = TRUE)
    if (length(hit)) sub("^[^=]*=", "", hit[1]) else default
  }
  pos <- args[!startsWith(args, "--")]
  if (length(pos) != 2) stop("usage: Rscript headline.R DATA OUT.json [options]")
  cut <- data_cut(pos[1], opt("data-cut"))
  figures <- headline(pos[1], cut, as.integer(opt("merge-no-meetings-up-to", "0")), opt("time-to-job", "km"),
                      !("--no-model" %in% args))
  write_json(figures, pos[2])
}

main(commandArgs(trailingOnly = TRUE))
