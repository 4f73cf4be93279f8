# The training baseline model.json carries for monitoring (field "baseline"; not part of the version hash):
# decile bins of each numeric input, level proportions of each factor, the training predictions' distribution
# and the model's quality on its own training data. The monitor (lambda/monitor_stats.R) bins live data with the
# same edges: the outer bins are open (-Inf, Inf), so every live value falls in one.

# Proportions of x in the bins the edges define: (-Inf, e2], (e2, e3], ..., (e[k], Inf); NA values left out.
baseline_bin_proportions <- function(x, breaks) {
  x <- x[!is.na(x)]
  inner <- breaks[-c(1, length(breaks))]
  counts <- tabulate(findInterval(x, inner, left.open = TRUE) + 1L, nbins = length(inner) + 1L)
  counts / max(length(x), 1L)
}

.numeric_baseline <- function(x) {
  x <- as.numeric(x)
  breaks <- unique(unname(stats::quantile(x, probs = seq(0, 1, 0.1), na.rm = TRUE, names = FALSE, type = 7)))
  if (length(breaks) < 2) breaks <- c(breaks[1], breaks[1])  # a constant column: one bin
  list(type = "numeric", breaks = I(signif(breaks, 10)),
       proportions = I(round(baseline_bin_proportions(x, signif(breaks, 10)), 6)))
}

.factor_baseline <- function(x) {
  x <- as.character(x)
  x <- x[!is.na(x)]
  counts <- table(factor(x, levels = sort(unique(x), method = "radix")))
  as.list(round(c(counts) / max(length(x), 1L), 6))
}

.distribution <- function(x) {
  if (is.factor(x) || is.character(x) || is.logical(x)) list(type = "factor", proportions = .factor_baseline(x))
  else .numeric_baseline(x)
}

# The label each row's answer stands for: probability by threshold, probabilities by the most probable class.
.training_labels <- function(answer, output) {
  switch(output$type,
    probability = ifelse(answer >= output$threshold, output$labels[[2]], output$labels[[1]]),
    probabilities = colnames(answer)[max.col(as.matrix(answer), ties.method = "first")],
    as.character(answer))
}

# A truth column as labels: the labels themselves, or 0/1 (FALSE/TRUE) for a two-label probability output.
baseline_truth_labels <- function(truth, labels) {
  if (is.factor(truth)) truth <- as.character(truth)
  if (is.logical(truth) || is.numeric(truth)) {
    if (length(labels) != 2) return(as.character(truth))
    return(ifelse(is.na(truth), NA_character_, labels[as.integer(as.logical(truth)) + 1L]))
  }
  truth
}

.training_quality <- function(answer, truth, output) {
  if (is.null(truth)) return(NULL)
  if (output$type == "number") {
    error <- as.numeric(answer) - as.numeric(truth)
    return(list(rows = length(truth), rmse = round(sqrt(mean(error^2)), 6), mae = round(mean(abs(error)), 6)))
  }
  labels <- .training_labels(answer, output)
  list(rows = length(truth),
       accuracy = round(mean(labels == baseline_truth_labels(truth, unlist(output$labels))), 6))
}

training_baseline <- function(data, input_names, answer, output) {
  prediction <- switch(output$type,
    probability = , number = .numeric_baseline(answer),
    list(type = "factor", proportions = .factor_baseline(.training_labels(answer, output))))
  baseline <- list(
    rows = nrow(data),
    inputs = lapply(setNames(input_names, input_names), function(n) .distribution(data[[n]])),
    prediction = prediction
  )
  quality <- .training_quality(answer, data[[output$name]], output)
  if (!is.null(quality)) baseline$quality <- quality
  baseline
}
