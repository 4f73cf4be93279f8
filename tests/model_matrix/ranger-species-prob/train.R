# ranger probability forest: every species' probability.
suppressPackageStartupMessages(library(ranger))
source("models/model_json.R")
set.seed(1)
fit <- ranger(Species ~ ., data = iris, num.trees = 20, probability = TRUE)
write_model(fit, iris, name = "ranger-species-prob",
            output = list(type = "probabilities", labels = levels(iris$Species)))
