# The monitor's statistics (run through rpy2 by monitor_r.py): traffic, input and prediction drift against the
# training baseline of model.json, and quality where truth was joined. monitor_group() takes one group of capture
# records (a day or the whole window) and returns a named list; arrays are wrapped in I() so that they stay
# arrays in JSON, scalars are length-1 vectors.

# Bins as models/baseline.R defines them: (-Inf, e2], (e2, e3], ..., (e[k], Inf); NA values left out.
monitor_bin_proportions <- function(x, breaks) {
  x <- x[!is.na(x)]
  inner <- breaks[-c(1, length(breaks))]
  counts <- tabulate(findInterval(x, inner, left.open = TRUE) + 1L, nbins = length(inner) + 1L)
  counts / max(length(x), 1L)
}

# Population stability index: sum over bins of (actual - expected) * log(actual / expected). Empty bins count as
# 0.0001 so that a bin seen on one side only adds a large but finite term.
monitor_psi <- function(expected, actual, floor = 1e-4) {
  e <- pmax(as.numeric(expected), floor)
  a <- pmax(as.numeric(actual), floor)
  sum((a - e) * log(a / e))
}

# Level proportions of x in the baseline's level order; levels never seen in training are pooled as "(other)".
monitor_level_proportions <- function(x, levels) {
  x <- as.character(x[!is.na(x)])
  counts <- c(vapply(levels, function(l) sum(x == l), 0), "(other)" = sum(!x %in% levels))
  counts / max(length(x), 1L)
}

# Kolmogorov-Smirnov D of x against the baseline's CDF, linear between the decile edges (the training sample
# itself is not kept): the largest gap between the two cumulative distributions.
monitor_ks <- function(x, breaks, proportions) {
  x <- sort(x[!is.na(x)])
  n <- length(x)
  if (n == 0 || length(breaks) < 2 || breaks[1] == breaks[length(breaks)]) return(NA_real_)
  cdf <- stats::approxfun(breaks, c(0, cumsum(proportions)), yleft = 0, yright = 1, ties = "ordered")
  f <- cdf(x)
  max(seq_len(n) / n - f, f - (seq_len(n) - 1) / n)
}

# The truth as labels: the labels themselves, or (two labels) 0/1 or FALSE/TRUE for the first/second label.
monitor_truth_labels <- function(truth, labels) {
  truth <- as.character(truth)
  if (length(labels) == 2) {
    binary <- !is.na(truth) & !truth %in% labels & toupper(truth) %in% c("0", "1", "FALSE", "TRUE")
    truth[binary] <- labels[as.integer(toupper(truth[binary]) %in% c("1", "TRUE")) + 1L]
  }
  truth
}

# Area under the ROC curve (Mann-Whitney): the chance that a positive row scores above a negative one.
monitor_auc <- function(score, positive) {
  n1 <- sum(positive)
  n0 <- sum(!positive)
  if (n1 == 0 || n0 == 0) return(NA_real_)
  (sum(rank(score)[positive]) - n1 * (n1 + 1) / 2) / (n1 * n0)
}

# Quality on the rows whose truth is known. pred: list(value =, label =, probabilities = named list by label).
monitor_quality <- function(pred, truth, output, baseline_quality = NULL) {
  known <- !is.na(truth)
  out <- list(rows = sum(known))
  if (out$rows == 0) return(out)
  if (output$type == "number") {
    error <- pred$value[known] - as.numeric(truth[known])
    out$rmse <- sqrt(mean(error^2))
    out$mae <- mean(abs(error))
    if (!is.null(baseline_quality$rmse) && baseline_quality$rmse > 0) out$rmse_increase <- out$rmse / baseline_quality$rmse - 1
    return(out)
  }
  labels <- as.character(output$labels)
  y <- monitor_truth_labels(truth[known], labels)
  out$accuracy <- mean(pred$label[known] == y)
  eps <- 1e-15
  if (output$type == "probability") {
    p <- pmin(pmax(pred$value[known], eps), 1 - eps)
    positive <- y == labels[2]
    out$log_loss <- -mean(ifelse(positive, log(p), log(1 - p)))
    out$auc <- monitor_auc(p, positive)
  } else if (output$type == "probabilities") {
    probs <- do.call(cbind, lapply(labels, function(l) pred$probabilities[[l]][known]))
    p_true <- probs[cbind(seq_along(y), match(y, labels))]
    out$log_loss <- -mean(log(pmin(pmax(p_true, eps), 1 - eps)))
    if (length(labels) == 2) out$auc <- monitor_auc(probs[, 2], y == labels[2])
  }
  if (!is.null(baseline_quality$accuracy)) out$accuracy_drop <- baseline_quality$accuracy - out$accuracy
  out
}

# One distribution against its baseline: drift figures plus both sides' proportions (for the charts).
monitor_drift <- function(x, base, thresholds) {
  n <- sum(!is.na(x))
  if (base$type == "numeric") {
    breaks <- as.numeric(base$breaks)
    expected <- as.numeric(base$proportions)
    actual <- monitor_bin_proportions(as.numeric(x), breaks)
    ks <- monitor_ks(as.numeric(x), breaks, expected)
    edges <- format(signif(breaks, 4), trim = TRUE, scientific = FALSE)
    k <- length(edges)
    bins <- I(if (k > 2) c(paste0("<=", edges[2:(k - 1)]), paste0(">", edges[k - 1])) else "all")
  } else {
    levels <- names(base$proportions)
    expected <- c(as.numeric(unlist(base$proportions)), 0)
    actual <- monitor_level_proportions(x, levels)
    ks <- NA_real_
    bins <- I(c(levels, "(other)"))
  }
  psi <- if (n > 0) monitor_psi(expected, actual) else NA_real_
  list(rows = n, psi = psi, ks = ks, drift = isTRUE(n >= thresholds$min_rows && psi >= thresholds$psi),
       bins = bins, expected = I(round(expected, 6)), actual = I(round(actual, 6)))
}

monitor_input <- function(x, spec, base, thresholds) {
  if (is.null(x)) return(list(captured = FALSE))
  if (spec$type %in% c("numeric", "integer")) {
    out_of_range <- mean(as.numeric(x) < spec$min | as.numeric(x) > spec$max, na.rm = TRUE)
  } else if (spec$type == "factor") {
    out_of_range <- mean(!x[!is.na(x)] %in% spec$levels)
  } else {
    out_of_range <- 0
  }
  out <- list(captured = TRUE, missing_rate = if (length(x)) mean(is.na(x)) else NA_real_,
              out_of_range_rate = if (is.nan(out_of_range)) NA_real_ else out_of_range)
  if (!is.null(base)) out <- c(out, monitor_drift(x, base, thresholds))
  out
}

monitor_traffic <- function(g) {
  status <- as.integer(g$status)
  errors <- status[status >= 400]
  ms <- as.numeric(g$handler_ms)
  ms <- ms[!is.na(ms)]
  latency <- if (length(ms)) as.list(setNames(stats::quantile(ms, c(0.5, 0.99), names = FALSE), c("p50", "p99")))
             else list(p50 = NA_real_, p99 = NA_real_)
  list(requests = length(status), rows = as.integer(sum(as.numeric(g$rows))),
       errors = if (length(errors)) as.list(table(as.character(errors))) else setNames(list(), character(0)),
       handler_ms = latency)
}

# One group: g = list(status, handler_ms, rows, inputs = named list of columns, prediction = list(value, label,
# probabilities), truth); model = model.json (inputs, output, baseline or NULL); thresholds = list(psi, min_rows).
monitor_group <- function(g, model, thresholds) {
  base <- model$baseline
  out <- list(traffic = monitor_traffic(g))
  specs <- model$inputs
  out$inputs <- setNames(lapply(specs, function(spec) {
    monitor_input(g$inputs[[spec$name]], spec, base$inputs[[spec$name]], thresholds)
  }), vapply(specs, function(spec) spec$name, ""))
  if (!is.null(base)) {
    predicted <- if (base$prediction$type == "numeric") g$prediction$value else g$prediction$label
    out$prediction <- monitor_drift(predicted, base$prediction, thresholds)
  }
  out$quality <- monitor_quality(g$prediction, g$truth, model$output, base$quality)
  out
}
