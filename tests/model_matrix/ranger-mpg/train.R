# ranger regression forest on the x/y interface: the output's name is not recorded, so it is given.
suppressPackageStartupMessages(library(ranger))
source("models/model_json.R")
set.seed(1)
fit <- ranger(x = mtcars[, c("cyl", "disp", "hp", "wt")], y = mtcars$mpg, num.trees = 20)
write_model(fit, mtcars, name = "ranger-mpg", output = list(name = "mpg", type = "number", unit = "miles per gallon"))
