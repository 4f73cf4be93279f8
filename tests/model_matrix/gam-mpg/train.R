# mgcv::gam with a smooth term.
suppressPackageStartupMessages(library(mgcv))
source("models/model_json.R")
fit <- gam(mpg ~ s(hp) + wt, data = mtcars)
write_model(fit, mtcars, name = "gam-mpg", output = list(type = "number"))
