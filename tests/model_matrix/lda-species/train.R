# MASS::lda: predict() answers a list; the adapter takes $posterior.
suppressPackageStartupMessages(library(MASS))
source("models/model_json.R")
fit <- lda(Species ~ ., data = iris)
write_model(fit, iris, name = "lda-species", output = list(type = "probabilities", labels = levels(iris$Species)))
