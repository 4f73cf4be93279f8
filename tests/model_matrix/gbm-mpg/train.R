# gbm regression (no terms(): gbm records var.names and response.name).
suppressPackageStartupMessages(library(gbm))
source("models/model_json.R")
set.seed(1)
fit <- gbm(mpg ~ ., data = mtcars, distribution = "gaussian", n.trees = 30, interaction.depth = 2,
           n.minobsinnode = 5, bag.fraction = 0.8)
write_model(fit, mtcars, name = "gbm-mpg", output = list(type = "number"))
