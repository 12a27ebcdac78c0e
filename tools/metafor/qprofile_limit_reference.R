#!/usr/bin/env Rscript
# Regenerate tests/data/metafor/qprofile_limit.json: metafor's Q-profile bounds for tau^2 at and beyond
# the search limit tau2.max, with the signs ('>' / '<') that confint.rma.uni attaches to such bounds.
#
# Usage (from the repository root):  Rscript tools/metafor/qprofile_limit_reference.R
# Needs R with r-cran-metafor and r-cran-jsonlite (as tools/metafor/generate_reference.R).
#
# How metafor 3.8-1 sets the search interval [tau2.min, tau2.max] of confint.rma.uni (type "QP"):
#   tau2.min <- if rma()'s control had tau2.min then that, else min(0, tau2)
#   tau2.max <- if rma()'s control had tau2.max then that, else max(100, 10 * tau2, 10 * tau2.min)
#   confint()'s own control (tau2.min, tau2.max) then overrides both.
# A bound beyond tau2.max is reported as tau2.max with sign ">" (if Q(tau2.max) is above the upper
# chi^2 quantile, both bounds are ">"); if Q(tau2.min) is below the lower quantile both bounds are
# tau2.min with sign "<" (the null set when tau2.min = 0). rma()'s tau2.max also limits the PM search.
#
# Cases: two cells of this review's own pooling whose upper bound lies far beyond the default limit,
# each fitted with the default limit, a raised limit that finds the true bound, and a limit below the
# estimate (both bounds '>'); the limit passed to rma() (reaches PM and confint) and, for REML, to
# confint() alone (the same search for every method but PM).

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

out_path <- file.path("tests", "data", "metafor", "qprofile_limit.json")
ctrl <- list(threshold = 1e-10, tol = 1e-10, maxiter = 1000)
ctrl_txt <- "list(threshold = 1e-10, tol = 1e-10, maxiter = 1000)"
ci_ctrl <- list(tol = 1e-10, maxiter = 1000)
ci_ctrl_txt <- "list(tol = 1e-10, maxiter = 1000)"

num <- function(x) {
  x <- as.numeric(x)
  lapply(x, function(v) structure(sprintf("%.17g", v), class = "json"))
}
scalar <- function(x) if (is.null(x)) NULL else num(x)[[1]]

# yi and vi as pooled by this pipeline (results/meta/analyses/<id>.json on the embedded snapshot,
# main run), written with 17 significant digits so that Python reads identical numbers.
designs <- list(
  pain_k2 = list(
    yi = c(-12.6, -2.0), vi = c(60.93778716016577, 9.37143977857221),
    source = "pain_epidural_local_anaesthetic, window short: Cohen2012, LESS (mean differences, 0-100)",
    description = "k = 2 pain cell: tau^2 ~ 21, Q-profile upper bound ~ 57,171, default limit 210"),
  responders_k3 = list(
    yi = c(-9.539473684210526, -50.7, -15.5),
    vi = c(106.60214054982502, 77.86547740369934, 113.16599247612096),
    source = "responders_epidural_placebo, window short: Fukusaki1998, Nandi2017, Valat2003 (RD, pp)",
    description = "k = 3 responder cell: tau^2 ~ 417, upper bound ~ 19,455, default limit 4167")
)

capture <- function(expr) {
  warns <- character(0)
  value <- withCallingHandlers(
    tryCatch(expr, error = function(e) structure(conditionMessage(e), class = "captured_error")),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  list(value = value, warnings = warns)
}

confint_summary <- function(ci, call) {
  r <- ci$random
  row <- function(name) list(estimate = scalar(r[name, 1]), lb = scalar(r[name, 2]),
                             ub = scalar(r[name, 3]))
  list(call = call, tau2 = row("tau^2"), tau = row("tau"), I2 = row("I^2(%)"), H2 = row("H^2"),
       ci_null = ci$ci.null, lb_sign = ci$lb.sign, ub_sign = ci$ub.sign,
       tau2_min = scalar(ci$tau2.min))
}

limits <- list(default = NULL, raised = 1e6, below_estimate = 40)
cases <- list()
for (dname in names(designs)) {
  d <- designs[[dname]]
  for (method in c("DL", "REML", "PM")) {
    for (lname in names(limits)) {
      tau2_max <- limits[[lname]]
      control <- if (is.null(tau2_max)) ctrl else c(ctrl, list(tau2.max = tau2_max))
      control_txt <- if (is.null(tau2_max)) ctrl_txt else
        sub(")$", sprintf(", tau2.max = %s)", format(tau2_max, scientific = FALSE)), ctrl_txt)
      call <- sprintf('res <- rma(yi, vi, method = "%s", test = "knha", control = %s)', method,
                      control_txt)
      got <- capture(rma(d$yi, d$vi, method = method, test = "knha", control = control))
      entry <- list(id = paste(dname, method, lname, "rma", sep = "/"), design = dname,
                    method = method, test = "knha", limit = lname, via = "rma",
                    tau2_max = if (is.null(tau2_max)) NULL else scalar(tau2_max), call = call,
                    warnings = as.list(got$warnings))
      res <- got$value
      if (inherits(res, "captured_error")) {
        entry$error <- as.character(res)
        cases[[length(cases) + 1]] <- entry
        next
      }
      entry$fit <- list(estimate = scalar(res$b[1]), se = scalar(res$se[1]),
                        ci_lb = scalar(res$ci.lb[1]), ci_ub = scalar(res$ci.ub[1]),
                        tau2 = scalar(res$tau2), I2 = scalar(res$I2), H2 = scalar(res$H2))
      entry$confint <- confint_summary(confint(res, control = ci_ctrl),
                                       sprintf("confint(res, control = %s)", ci_ctrl_txt))
      cases[[length(cases) + 1]] <- entry
      if (method == "REML" && !is.null(tau2_max)) {
        # the same limit given to confint() only: for REML identical to the limit given to rma()
        plain <- rma(d$yi, d$vi, method = method, test = "knha", control = ctrl)
        ci_call <- sprintf("confint(res, control = c(%s, list(tau2.max = %s)))", ci_ctrl_txt,
                           format(tau2_max, scientific = FALSE))
        alt <- entry
        alt$id <- paste(dname, method, lname, "confint", sep = "/")
        alt$via <- "confint"
        alt$call <- sprintf('res <- rma(yi, vi, method = "%s", test = "knha", control = %s)',
                            method, ctrl_txt)
        alt$confint <- confint_summary(
          confint(plain, control = c(ci_ctrl, list(tau2.max = tau2_max))), ci_call)
        cases[[length(cases) + 1]] <- alt
      }
    }
  }
}

out <- list(
  generator = list(
    script = "tools/metafor/qprofile_limit_reference.R", R_version = R.version.string,
    metafor_version = as.character(packageVersion("metafor")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    control = ctrl_txt, confint_control = ci_ctrl_txt, level = 95),
  designs = lapply(designs, function(d) { d$yi <- num(d$yi); d$vi <- num(d$vi); d }),
  cases = cases)

dir.create(dirname(out_path), showWarnings = FALSE, recursive = TRUE)
writeLines(toJSON(out, auto_unbox = TRUE, pretty = TRUE, null = "null", json_verbatim = TRUE),
           out_path)
cat("wrote", out_path, "with", length(cases), "cases\n")
