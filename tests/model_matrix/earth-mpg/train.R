# earth (MARS) regression.
suppressPackageStartupMessages(library(earth))
source("models/model_json.R")
fit <- earth(mpg ~ ., data = mtcars)
write_model(fit, mtcars, name = "earth-mpg", output = list(type = "number"))
