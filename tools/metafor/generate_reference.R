#!/usr/bin/env Rscript
# Regenerate tests/data/metafor/reference.json: metafor reference values for the meta-analysis engine.
#
# Usage (from the repository root):  Rscript tools/metafor/generate_reference.R
# Needs R with the Debian packages r-cran-metafor (brings r-cran-metadat) and r-cran-jsonlite.
# Every case records the exact R call; inputs (yi, vi) are written out so Python uses identical numbers.
# Convergence controls are tightened (threshold/tol 1e-10) so that the reference values are the exact
# optimum/root to far below the 1e-6 test tolerance, instead of metafor's defaults (threshold 1e-5,
# uniroot tol .Machine$double.eps^0.25 ~ 1.2e-4), which would only agree to ~1e-5.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

out_path <- file.path("tests", "data", "metafor", "reference.json")
ctrl <- list(threshold = 1e-10, tol = 1e-10, maxiter = 1000)
ctrl_txt <- "list(threshold = 1e-10, tol = 1e-10, maxiter = 1000)"
ci_ctrl <- list(tol = 1e-10, maxiter = 1000)
ci_ctrl_txt <- "list(tol = 1e-10, maxiter = 1000)"

methods <- c("EE", "DL", "REML", "ML", "PM", "EB", "SJ", "HS", "HE")
tests <- c("z", "t", "knha", "adhoc")

# JSON cannot hold NA/NaN/Inf: NA and NULL become null, the others the strings "NaN", "Inf", "-Inf".
num <- function(x) {
  if (is.null(x)) return(NULL)
  x <- as.numeric(x)
  lapply(x, function(v) {
    if (is.na(v) && !is.nan(v)) return(NULL)
    if (is.nan(v)) return("NaN")
    if (is.infinite(v)) return(if (v > 0) "Inf" else "-Inf")
    structure(sprintf("%.17g", v), class = "json")  # written verbatim: all 17 significant digits
  })
}
scalar <- function(x) {
  v <- num(x)
  if (is.null(v) || length(v) == 0) NULL else v[[1]]
}

# Evaluate an expression, collecting warnings and errors instead of stopping.
capture <- function(expr) {
  warns <- character(0)
  value <- withCallingHandlers(
    tryCatch(expr, error = function(e) structure(conditionMessage(e), class = "captured_error")),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    }
  )
  list(value = value, warnings = warns)
}

# ---- designs -------------------------------------------------------------------------------------
bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
hine <- escalc("RD", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.hine1989)
normand <- escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
                  data = dat.normand1999)
huge <- bcg
huge$vi[1] <- 1e6

design <- function(yi, vi, source, setup, description) {
  list(yi = as.numeric(yi), vi = as.numeric(vi), source = source, setup = setup,
       description = description)
}
designs <- list(
  k1 = design(bcg$yi[1], bcg$vi[1], "metadat::dat.bcg, trial 1",
    'bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg); yi <- bcg$yi[1]; vi <- bcg$vi[1]',
    "single study: no pooling possible"),
  k2 = design(bcg$yi[1:2], bcg$vi[1:2], "metadat::dat.bcg, trials 1-2",
    'bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg); yi <- bcg$yi[1:2]; vi <- bcg$vi[1:2]',
    "two studies (log risk ratios)"),
  k5_homogeneous = design(hine$yi[1:5], hine$vi[1:5], "metadat::dat.hine1989, studies 1-5",
    'hine <- escalc("RD", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.hine1989); yi <- hine$yi[1:5]; vi <- hine$vi[1:5]',
    "five studies, risk differences, Q < df so tau^2 is estimated as 0 by most estimators"),
  k13_bcg = design(bcg$yi, bcg$vi, "metadat::dat.bcg (Colditz et al. 1994)",
    'bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg); yi <- bcg$yi; vi <- bcg$vi',
    "13 trials of the BCG vaccine, log risk ratios, strong heterogeneity"),
  zero_tau2 = design(rep(0.2, 4), c(0.01, 0.02, 0.04, 0.08), "synthetic",
    "yi <- rep(0.2, 4); vi <- c(0.01, 0.02, 0.04, 0.08)",
    "identical effects (Q = 0): every estimator gives tau^2 = 0 and the Q-profile CI is the null set"),
  huge_variance = design(huge$yi, huge$vi, "metadat::dat.bcg with vi[1] set to 1e6",
    'bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg); yi <- bcg$yi; vi <- bcg$vi; vi[1] <- 1e6',
    "BCG data with one study given a huge sampling variance (weight ~ 0)"),
  pain_k6 = design(normand$yi[1:6], normand$vi[1:6], "metadat::dat.normand1999, studies 1-6",
    'nd <- escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = dat.normand1999); yi <- nd$yi[1:6]; vi <- nd$vi[1:6]',
    paste("mean differences in length of hospital stay (days); stands in for a 0-100 pain scale:",
          "effects of tens of units and tau^2 ~ 800, beyond metafor's default tau2.max = 100"))
)

# ---- model summaries ------------------------------------------------------------------------------
fit_summary <- function(res) {
  list(k = res$k, p = res$p, estimate = scalar(res$b[1]), se = scalar(res$se[1]),
       zval = scalar(res$zval[1]), pval = scalar(res$pval[1]), ci_lb = scalar(res$ci.lb[1]),
       ci_ub = scalar(res$ci.ub[1]), tau2 = scalar(res$tau2), se_tau2 = scalar(res$se.tau2),
       I2 = scalar(res$I2), H2 = scalar(res$H2), QE = scalar(res$QE), QEp = scalar(res$QEp),
       ddf = scalar(res$ddf), s2w = scalar(res$s2w), test = res$test, method = res$method,
       weights = num(weights(res)))
}
pred_summary <- function(res) {
  pr <- predict(res)
  list(pred = scalar(pr$pred), se = scalar(pr$se), ci_lb = scalar(pr$ci.lb),
       ci_ub = scalar(pr$ci.ub), pi_lb = scalar(pr$pi.lb), pi_ub = scalar(pr$pi.ub))
}
confint_summary <- function(res) {
  got <- capture(confint(res, control = ci_ctrl))
  ci <- got$value
  if (inherits(ci, "captured_error")) return(list(error = as.character(ci)))
  r <- ci$random
  row <- function(name) list(estimate = scalar(r[name, 1]), lb = scalar(r[name, 2]),
                             ub = scalar(r[name, 3]))
  list(call = sprintf("confint(res, control = %s)", ci_ctrl_txt), tau2 = row("tau^2"),
       tau = row("tau"), I2 = row("I^2(%)"), H2 = row("H^2"), ci_null = ci$ci.null,
       lb_sign = ci$lb.sign, ub_sign = ci$ub.sign, warnings = as.list(got$warnings))
}

cases <- list()
for (dname in names(designs)) {
  d <- designs[[dname]]
  for (method in methods) {
    for (test in tests) {
      call <- sprintf('res <- rma(yi, vi, method = "%s", test = "%s", control = %s)', method,
                      test, ctrl_txt)
      got <- capture(rma(d$yi, d$vi, method = method, test = test, control = ctrl))
      res <- got$value
      entry <- list(id = paste(dname, method, test, sep = "/"), design = dname, method = method,
                    test = test, call = call, warnings = as.list(got$warnings))
      if (inherits(res, "captured_error")) {
        entry$error <- as.character(res)
      } else {
        entry$fit <- fit_summary(res)
        entry$predict <- pred_summary(res)
        entry$predict$call <- "predict(res)"
        if (method != "EE" && res$k > 1) entry$confint <- confint_summary(res)
      }
      cases[[length(cases) + 1]] <- entry
    }
  }
}

# ---- leave-one-out on the BCG design ------------------------------------------------------------
loo <- list()
for (method in methods) {
  for (test in c("z", "t", "knha")) {
    d <- designs$k13_bcg
    res <- suppressWarnings(rma(d$yi, d$vi, method = method, test = test, control = ctrl))
    l <- suppressWarnings(leave1out(res))
    loo[[length(loo) + 1]] <- list(
      design = "k13_bcg", method = method, test = test,
      call = sprintf('leave1out(rma(yi, vi, method = "%s", test = "%s", control = %s))', method, test,
                     ctrl_txt),
      estimate = num(l$estimate), se = num(l$se),
      zval = num(if (is.null(l$zval)) l$tval else l$zval),  # named tval for t-based tests
      pval = num(l$pval),
      ci_lb = num(l$ci.lb), ci_ub = num(l$ci.ub), Q = num(l$Q), Qp = num(l$Qp), tau2 = num(l$tau2),
      I2 = num(l$I2), H2 = num(l$H2))
    if (method == "EE") loo[[length(loo)]]$tau2 <- num(rep(0, length(l$estimate)))  # EE: tau2 = 0
  }
}

# ---- Egger's regression test ---------------------------------------------------------------------
egger <- list()
for (dname in c("k13_bcg", "huge_variance")) {
  for (method in c("EE", "DL", "REML", "PM")) {
    for (test in c("z", "t", "knha")) {
      d <- designs[[dname]]
      res <- suppressWarnings(rma(d$yi, d$vi, method = method, test = test, control = ctrl))
      rt <- suppressWarnings(regtest(res, model = "rma", predictor = "sei"))
      egger[[length(egger) + 1]] <- list(
        design = dname, method = method, test = test,
        call = sprintf('regtest(rma(yi, vi, method = "%s", test = "%s", control = %s), model = "rma", predictor = "sei")',
                       method, test, ctrl_txt),
        stat = scalar(rt$zval), pval = scalar(rt$pval), ddf = scalar(rt$ddf),
        limit_estimate = scalar(rt$est), limit_ci_lb = scalar(rt$ci.lb),
        limit_ci_ub = scalar(rt$ci.ub), slope = scalar(rt$fit$b[2]), slope_se = scalar(rt$fit$se[2]),
        tau2 = scalar(rt$fit$tau2))
    }
  }
}

# ---- trim-and-fill ---------------------------------------------------------------------------------
trimfill_cases <- list()
for (dname in c("k13_bcg", "huge_variance")) {
  for (method in c("EE", "DL", "REML", "PM")) {
    for (side in c("auto", "left", "right")) {
      d <- designs[[dname]]
      res <- suppressWarnings(rma(d$yi, d$vi, method = method, control = ctrl))
      tf <- if (side == "auto") suppressWarnings(trimfill(res, control = ctrl)) else
        suppressWarnings(trimfill(res, side = side, control = ctrl))
      side_arg <- if (side == "auto") "" else sprintf(', side = "%s"', side)
      trimfill_cases[[length(trimfill_cases) + 1]] <- list(
        design = dname, method = method, side_requested = side,
        call = sprintf('trimfill(rma(yi, vi, method = "%s", control = ctrl)%s, control = ctrl) with ctrl = %s',
                       method, side_arg, ctrl_txt),
        k0 = tf$k0, side = tf$side, se_k0 = scalar(tf$se.k0), k = tf$k,
        estimate = scalar(tf$b[1]), se = scalar(tf$se[1]), zval = scalar(tf$zval[1]),
        pval = scalar(tf$pval[1]), ci_lb = scalar(tf$ci.lb[1]), ci_ub = scalar(tf$ci.ub[1]),
        tau2 = scalar(tf$tau2), QE = scalar(tf$QE), test = tf$test,
        yi_filled = num(tf$yi), vi_filled = num(tf$vi))
    }
  }
}

# ---- subgroups: moderator test and Q-between from separate fits ------------------------------------
alloc <- as.character(dat.bcg$alloc)
subgroups <- list()
for (method in c("EE", "DL", "REML", "PM")) {
  for (test in c("z", "knha")) {
    d <- designs$k13_bcg
    mod <- suppressWarnings(rma(d$yi, d$vi, mods = ~ factor(alloc), method = method, test = test,
                                control = ctrl))
    groups <- sort(unique(alloc))
    sep <- lapply(groups, function(g) {
      r <- suppressWarnings(rma(d$yi, d$vi, subset = alloc == g, method = method, test = test,
                                control = ctrl))
      list(group = g, k = r$k, estimate = r$b[1], se = r$se[1], ci_lb = r$ci.lb[1],
           ci_ub = r$ci.ub[1], tau2 = r$tau2, QE = r$QE)
    })
    between <- rma(sapply(sep, function(s) s$estimate), sei = sapply(sep, function(s) s$se),
                   method = "EE")
    sep <- lapply(sep, function(s) c(s[1:2], lapply(s[-(1:2)], scalar)))
    subgroups[[length(subgroups) + 1]] <- list(
      design = "k13_bcg", groups_variable = "dat.bcg$alloc", groups = alloc, method = method,
      test = test,
      call_moderator = sprintf('rma(yi, vi, mods = ~ factor(alloc), method = "%s", test = "%s", control = %s)',
                               method, test, ctrl_txt),
      call_separate = sprintf('rma(yi, vi, subset = alloc == g, method = "%s", test = "%s", control = ...) per group g; then rma(estimates, sei = ses, method = "EE")$QE',
                              method, test),
      QM = scalar(mod$QM), QMp = scalar(mod$QMp), QMdf = num(mod$QMdf), QE_mod = scalar(mod$QE),
      QEp_mod = scalar(mod$QEp), tau2_mod = scalar(mod$tau2), I2_mod = scalar(mod$I2),
      coef = num(mod$b), coef_se = num(mod$se), separate = sep,
      Q_between = scalar(between$QE), Q_between_df = between$k - 1, Q_between_p = scalar(between$QEp))
  }
}

# ---- convergence failures ----------------------------------------------------------------------------
failures <- list()
fail_case <- function(method, control_txt, control) {
  d <- designs$k13_bcg
  got <- capture(rma(d$yi, d$vi, method = method, control = control))
  list(design = "k13_bcg", method = method,
       call = sprintf('rma(yi, vi, method = "%s", control = %s)', method, control_txt),
       error = if (inherits(got$value, "captured_error")) as.character(got$value) else NULL)
}
for (m in c("REML", "ML", "EB")) failures[[length(failures) + 1]] <- fail_case(m, "list(maxiter = 1)", list(maxiter = 1))
failures[[length(failures) + 1]] <- fail_case("PM", "list(tau2.max = 0.01)", list(tau2.max = 0.01))

out <- list(
  generator = list(
    script = "tools/metafor/generate_reference.R", R_version = R.version.string,
    metafor_version = as.character(packageVersion("metafor")),
    metadat_version = as.character(packageVersion("metadat")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    date = format(Sys.Date()), control = ctrl_txt, confint_control = ci_ctrl_txt, level = 95),
  grid = list(methods = methods, tests = tests, designs = names(designs),
              n_cases = length(cases)),
  designs = lapply(designs, function(d) { d$yi <- num(d$yi); d$vi <- num(d$vi); d }),
  cases = cases, leave1out = loo, egger = egger, trimfill = trimfill_cases,
  subgroups = subgroups, failures = failures)

dir.create(dirname(out_path), showWarnings = FALSE, recursive = TRUE)
writeLines(toJSON(out, auto_unbox = TRUE, pretty = TRUE, null = "null",
                  json_verbatim = TRUE), out_path)
cat("wrote", out_path, "with", length(cases), "grid cases\n")
