# The 2017 write-up's model: logistic regression of graduate admission on GRE, GPA and school rank.
# The UCLA file it used is not reachable offline, so data.R synthesises a data set with its published
# summary statistics (see README.md): the model is the same, the coefficients are not the 2017 ones.
source("models/model_json.R")
source("models/admission/data.R")

admissions <- synthetic_admissions()
fit <- glm(admit ~ gre + gpa + rank, data = admissions, family = binomial)

write_model(
  fit, admissions,
  name = "admission",
  output = list(name = "admit", type = "probability", threshold = 0.5, labels = c("rejected", "admitted")),
  predict_args = list(type = "response"),
  example = list(gre = 800, gpa = 4, rank = "1")
)
