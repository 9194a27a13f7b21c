# 1:1 nearest-neighbour matching on the logit propensity score with replacement, ATT on re78, on
# lalonde (NSW treated, PSID controls), specified as ipseval.impact.compare does it:
#   logit PS: treat ~ age + educ + race + married + nodegree + re74 + re75 (glm, converged tightly);
#   support: min-max common support as ipseval (comparison people below the lowest treated PS and
#     treated people above the highest comparison PS left out), given to MatchIt as `discard`;
#   caliper 0.2 SD of the logit PS among those kept (MatchIt's std.caliper uses the same SD), or none.
# Two answers per caliper:
#   shared:  ipseval's rule written independently here: every comparison person within 1e-9 of the
#            nearest distance is tied and they share the match (their outcomes averaged);
#   matchit: MatchIt's nearest with replace = TRUE, which takes a single control and is documented to
#            break ties by the order of the data (NEWS for 4.0). Its ATT is not a reference: with the
#            MatchIt 4.5.1 installed here the control it picks is often not the nearest on the very
#            distance it was given (lalonde: 105 of 185 treated with its own default glm PS; a
#            three-person toy, treated 0.5 and controls 0.3, 0.6, gets 0.3), so whether its
#            control is the nearest is written alongside (matchit_is_nearest, matchit_not_nearest).
# Run from the repository root; writes tests/reference/expected/matching_*.csv.
suppressPackageStartupMessages(library(MatchIt))
out <- "tests/reference/expected"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
lalonde <- read.csv("tests/reference/data/lalonde.csv")
f <- treat ~ age + educ + race + married + nodegree + re74 + re75
ps_fit <- glm(f, data = lalonde, family = binomial, control = glm.control(epsilon = 1e-14, maxit = 100))
lps <- unname(predict(ps_fit, type = "link"))
ps <- unname(fitted(ps_fit))
treated <- lalonde$treat == 1
discarded <- (!treated & ps < min(ps[treated])) | (treated & ps > max(ps[!treated]))
tol <- 1e-9
g <- function(v) sprintf("%.17g", v)
write.csv(data.frame(id = lalonde$id, ps = g(ps), lps = g(lps), discarded = discarded),
          file.path(out, "matching_ps.csv"), row.names = FALSE)

pairs_for <- function(caliper) {
  width <- if (is.na(caliper)) Inf else caliper * sd(lps[!discarded])
  controls <- which(!treated & !discarded)
  m <- matchit(f, data = lalonde, method = "nearest", distance = lps, discard = discarded,
               replace = TRUE, ratio = 1, caliper = if (is.na(caliper)) NULL else caliper,
               std.caliper = TRUE)
  chosen <- m$match.matrix[, 1]  # row names of the matched control (NA: none within the caliper)
  rows <- lapply(which(treated & !discarded), function(i) {
    dist <- abs(lps[controls] - lps[i])
    nearest <- min(dist)
    tied <- controls[dist <= nearest + tol]
    mi <- if (is.na(chosen[as.character(i)])) NA else as.integer(chosen[as.character(i)])
    data.frame(caliper = caliper, id = lalonde$id[i], within = nearest <= width, n_tied = length(tied),
               y0_shared = g(mean(lalonde$re78[tied])), tied_ids = paste(lalonde$id[tied], collapse = " "),
               matchit_id = lalonde$id[mi], matchit_is_nearest = mi %in% tied)
  })
  do.call(rbind, rows)
}
pairs <- rbind(pairs_for(0.2), pairs_for(NA))
write.csv(pairs, file.path(out, "matching_pairs.csv"), row.names = FALSE)

att <- do.call(rbind, lapply(c(0.2, NA), function(caliper) {
  p <- pairs[pairs$within & (if (is.na(caliper)) is.na(pairs$caliper) else pairs$caliper %in% caliper), ]
  y1 <- lalonde$re78[match(p$id, lalonde$id)]
  y0m <- lalonde$re78[match(p$matchit_id, lalonde$id)]
  data.frame(caliper = caliper, treated_matched = nrow(p),
             width = g(if (is.na(caliper)) Inf else caliper * sd(lps[!discarded])),
             att_shared = g(mean(y1 - as.numeric(p$y0_shared))), att_matchit = g(mean(y1 - y0m)),
             treated_with_ties = sum(p$n_tied > 1), matchit_not_nearest = sum(!p$matchit_is_nearest))
}))
write.csv(att, file.path(out, "matching_att.csv"), row.names = FALSE)
