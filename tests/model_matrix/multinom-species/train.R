# nnet::multinom: every species' probability (predict(type = "probs") through the adapter).
suppressPackageStartupMessages(library(nnet))
source("models/model_json.R")
fit <- multinom(Species ~ ., data = iris, trace = FALSE)
write_model(fit, iris, name = "multinom-species", output = list(type = "probabilities", labels = levels(iris$Species)))
