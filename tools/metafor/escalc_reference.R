# Reference values for spinereview's effect-size conversions (tests/test_conversions.py), from
# metafor::escalc. Regenerate with:  Rscript tools/metafor/escalc_reference.R > tests/data/metafor/escalc.json
# The inputs are invented, round numbers chosen to exercise each formula (including zero cells).
suppressPackageStartupMessages({library(metafor); library(jsonlite)})

cases <- list()
add <- function(name, call, res) {
  cases[[length(cases) + 1]] <<- list(name = name, call = call,
                                       yi = as.numeric(res$yi), vi = as.numeric(res$vi))
}
run <- function(name, call) add(name, call, eval(parse(text = call)))

run("MD", "escalc('MD', m1i=c(31.4, 3.6, -2.8), sd1i=c(26.6, 0.7, 2.0), n1i=c(54, 20, 200), m2i=c(34.0, 5.3, -2.6), sd2i=c(27.5, 1.4, 2.1), n2i=c(56, 21, 200))")
run("SMD", "escalc('SMD', m1i=c(31.4, 3.6, 20.2, 1.0), sd1i=c(26.6, 0.7, 8.0, 1.0), n1i=c(54, 20, 5, 3), m2i=c(34.0, 5.3, 30.1, 2.5), sd2i=c(27.5, 1.4, 8.1, 1.2), n2i=c(56, 21, 6, 4))")
run("RR", "escalc('RR', ai=c(22, 32, 5, 0, 12), n1i=c(43, 47, 6, 10, 12), ci=c(15, 8, 0, 3, 10), n2i=c(42, 46, 7, 11, 12))")
run("OR", "escalc('OR', ai=c(22, 32, 5, 0), n1i=c(43, 47, 6, 10), ci=c(15, 8, 0, 3), n2i=c(42, 46, 7, 11))")
run("RD", "escalc('RD', ai=c(22, 32, 5, 0), n1i=c(43, 47, 6, 10), ci=c(15, 8, 0, 3), n2i=c(42, 46, 7, 11))")

out <- list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
            generated = format(Sys.Date()), cases = cases)
cat(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "\n")
