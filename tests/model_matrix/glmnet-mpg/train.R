# glmnet's matrix interface: no formula, so inputs = names the columns and predict = picks the lambda.
suppressPackageStartupMessages(library(glmnet))
source("models/model_json.R")
predictors <- c("cyl", "disp", "hp", "wt")
fit <- glmnet(as.matrix(mtcars[, predictors]), mtcars$mpg)
write_model(fit, mtcars, name = "glmnet-mpg", inputs = predictors, output = list(name = "mpg", type = "number"),
            predict = function(model, newdata) as.vector(predict(model, as.matrix(newdata[, predictors]), s = 0.1)))
