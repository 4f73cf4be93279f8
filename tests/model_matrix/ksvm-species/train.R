# kernlab::ksvm: an S4 class whose predict() is an S4 method.
suppressPackageStartupMessages(library(kernlab))
source("models/model_json.R")
set.seed(1)
fit <- ksvm(Species ~ ., data = iris, prob.model = TRUE)
write_model(fit, iris, name = "ksvm-species", output = list(type = "probabilities", labels = levels(iris$Species)))
