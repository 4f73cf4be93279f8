# rpart classification tree: the label through predict(type = "class").
suppressPackageStartupMessages(library(rpart))
source("models/model_json.R")
fit <- rpart(Species ~ ., data = iris)
write_model(fit, iris, name = "rpart-species", output = list(type = "class"), predict_args = list(type = "class"))
