# Reference values for spinereview's precision-recovery conversions (tests/test_recover.py).
# Regenerate from the repository root with a metafor >= 4.0 (conv.fivenum), e.g. installed from
# Debian's source package r-cran-metafor into a private library:
#   R_LIBS=/tmp/rlib Rscript tools/metafor/conversions_reference.R > tests/data/metafor/conversions.json
# All inputs are invented, round numbers chosen to exercise each formula; none is study data.
#
# Which values come from metafor and which from the published formula written out in R:
#   se_from_p            metafor::conv.wald(out, pval)          -> sqrt(vi)
#   sd_from_ci (n >= 60) metafor::conv.wald(out, ci.lb, ci.ub)  -> sqrt(vi) * sqrt(n)   (z-based)
#   sd_from_ci (n < 60)  formula, Cochrane Handbook 6.5.2.2: sqrt(n) (ub - lb) / (2 qt(0.975, n - 1));
#                        conv.wald has no t-based intervals
#   fivenum              metafor::conv.fivenum(min, q1, median, q3, max, n), all defaults
#                        (method "luo/wan/shi", dist "norm", test = TRUE); NA = not converted
#   sd_change            metafor::escalc("MC", sd1i, sd2i, ri, ni) -> sqrt(vi * ni)
#   sd_from_se           formula, Handbook 6.5.2.2: se * sqrt(n) (no metafor function)
#   events_from_percent  formula: round(p / 100 * n), R's round (ties to even)
#   pooled_sd            formula: sqrt(sum((n - 1) sd^2) / sum(n - 1)) (no metafor function)
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
if (packageVersion("metafor") < "4.0.0") stop("metafor >= 4.0 is needed (conv.fivenum)")

na <- function(x) ifelse(is.na(x), NA, x)

percent <- data.frame(percent = c(40, 33.3, 12.5, 1, 66.7, 0, 100, 52.4),
                      n = c(25, 30, 8, 250, 45, 17, 17, 42),
                      decimals = c(0, 1, 1, 0, 1, 0, 0, 1))
percent$events <- round(percent$percent / 100 * percent$n)

se <- data.frame(se = c(1.2, 0.35, 4.0, 0), n = c(25, 140, 9, 30))
se$sd <- se$se * sqrt(se$n)

ci <- data.frame(low = c(10.2, 10.2, 10.2, -3.1, 41.0, 2.0), high = c(15.8, 15.8, 15.8, -0.4, 47.5, 2.0),
                 n = c(25, 59, 60, 120, 12, 30))
small <- ci$n < 60
ci$sd <- NA_real_
ci$sd[small] <- sqrt(ci$n[small]) * (ci$high[small] - ci$low[small]) / (2 * qt(0.975, ci$n[small] - 1))
wald <- conv.wald(out = (low + high) / 2, ci.lb = low, ci.ub = high, data = ci[!small, ])
ci$sd[!small] <- sqrt(wald$vi) * sqrt(ci$n[!small])
ci$source <- ifelse(small, "formula (t, n - 1 df)", "metafor::conv.wald (z)")

five <- data.frame(min = c(1, NA, 1, 0, NA, 2, 10, NA, 1),
                   q1 = c(NA, 3, 3, NA, 22, 3, 20, 3, 3),
                   median = c(5, 5, 5, 48, 30, 4, 25, 5, 5),
                   q3 = c(NA, 7, 7, NA, 41, 5, 31, 7, 7),
                   max = c(10, NA, 10, 95, NA, 30, 44, NA, 10),
                   n = c(20, 40, 50, 7, 133, 30, 200, 4, 5))
conv <- conv.fivenum(min = min, q1 = q1, median = median, q3 = q3, max = max, n = n, data = five)
five$mean <- na(conv$mean)
five$sd <- na(conv$sd)
five$skewed <- attr(conv$mean, "sig")

change <- data.frame(sd_baseline = c(20, 20, 1.8, 12.5, 2.0), sd_followup = c(24, 24, 2.6, 9.0, 2.0),
                     r = c(0.5, 0, 0.8, -0.3, 1))
mc <- escalc("MC", m1i = rep(0, 5), m2i = rep(0, 5), sd1i = change$sd_baseline,
             sd2i = change$sd_followup, ri = change$r, ni = rep(10, 5))
change$sd <- sqrt(as.numeric(mc$vi) * 10)

pvals <- data.frame(estimate = c(1.2, -0.5, 13, -6.2), p = c(0.03, 0.2, 0.001, 0.5))
pw <- conv.wald(out = estimate, pval = p, data = pvals)
pvals$se <- sqrt(pw$vi)

donors <- list(list(sds = I(c(20.1, 24.6, 18.0)), ns = I(c(30, 55, 12))),
               list(sds = I(2.2), ns = I(40)),
               list(sds = I(c(1.1, 1.4)), ns = I(c(2, 200))))
for (i in seq_along(donors)) {
  d <- donors[[i]]
  donors[[i]]$sd <- sqrt(sum((d$ns - 1) * d$sds^2) / sum(d$ns - 1))
}

out <- list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
            jsonlite = as.character(packageVersion("jsonlite")), generated = format(Sys.Date()),
            events_from_percent = percent, sd_from_se = se, sd_from_ci = ci, fivenum = five,
            sd_change = change, se_from_p = pvals, pooled_sd = donors)
cat(toJSON(out, digits = I(15), auto_unbox = TRUE, pretty = TRUE, na = "null", dataframe = "rows"), "\n")
