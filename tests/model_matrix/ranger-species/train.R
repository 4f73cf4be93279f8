# ranger classification forest (formula interface): the predicted species. No inputs =: ranger records them.
suppressPackageStartupMessages(library(ranger))
source("models/model_json.R")
set.seed(1)
fit <- ranger(Species ~ ., data = iris, num.trees = 20)
write_model(fit, iris, name = "ranger-species", output = list(type = "class"))
