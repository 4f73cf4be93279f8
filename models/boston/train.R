# The 2021 write-up's model: a random forest of median house value on the real Boston housing data.
source("models/model_json.R")
suppressPackageStartupMessages(library(randomForest))

boston <- MASS::Boston
set.seed(2021L, kind = "Mersenne-Twister", normal.kind = "Inversion", sample.kind = "Rejection")
# 100 trees keep model.rds small and prediction fast; more trees barely change the fit on 506 rows.
fit <- randomForest(medv ~ ., data = boston, ntree = 100)

write_model(
  fit, boston,
  name = "boston",
  output = list(name = "medv", type = "number", unit = "USD 1000s")
)
