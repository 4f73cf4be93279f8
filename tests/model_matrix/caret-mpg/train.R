# caret: a glmnet fitted and tuned through caret::train's formula interface (caret brings ~70 R packages).
suppressPackageStartupMessages(library(caret))
source("models/model_json.R")
set.seed(1)
fit <- train(mpg ~ ., data = mtcars, method = "glmnet",
             trControl = trainControl(method = "cv", number = 3), tuneLength = 2)
write_model(fit, mtcars, name = "caret-mpg", output = list(type = "number", unit = "miles per gallon"))
