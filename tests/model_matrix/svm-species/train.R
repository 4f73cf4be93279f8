# e1071::svm fitted with probability = TRUE: the probabilities are an attribute of predict()'s answer.
suppressPackageStartupMessages(library(e1071))
source("models/model_json.R")
set.seed(1)
fit <- svm(Species ~ ., data = iris, probability = TRUE)
write_model(fit, iris, name = "svm-species", output = list(type = "probabilities", labels = levels(iris$Species)))
