# What predict() must answer for a model.json output: write_model() checks it at training, the handler at serving.

.describe_answer <- function(x) {
  if (is.data.frame(x)) return(sprintf("a data.frame of %d rows x %d columns", nrow(x), ncol(x)))
  if (is.matrix(x)) return(sprintf("a %d x %d %s matrix", nrow(x), ncol(x), typeof(x)))
  if (is.list(x)) {
    shown <- if (is.null(names(x))) "unnamed" else utils::head(names(x), 5)
    return(sprintf("a list (%s)", paste(shown, collapse = ", ")))
  }
  sprintf("%d %s values", length(x), if (is.factor(x)) "factor" else typeof(x))
}

# NULL when the answer fits the output type (and labels) for n rows, else the one-line reason ("predict() returned ...").
.answer_problem <- function(answer, type, labels, n) {
  if (type == "probabilities") {
    if (!(is.matrix(answer) || is.data.frame(answer))) {
      return(sprintf("predict() returned %s; expected a matrix or data.frame with one column per class (%s)",
                     .describe_answer(answer), paste(labels, collapse = ", ")))
    }
    if (nrow(answer) != n) return(sprintf("predict() returned %d rows for %d rows", nrow(answer), n))
    columns <- colnames(answer)
    if (is.null(columns) || !setequal(columns, labels) || anyDuplicated(columns) || length(columns) != length(labels)) {
      shown <- if (is.null(columns)) "(unnamed)" else columns
      return(sprintf("predict() returned the columns %s; expected the labels %s",
                     paste(shown, collapse = ", "), paste(labels, collapse = ", ")))
    }
    p <- as.matrix(answer)
    if (!is.numeric(p) || any(!is.finite(p)) || any(p < 0 | p > 1)) {
      return("predict() returned probabilities that are not all finite numbers in [0, 1]")
    }
    worst <- max(abs(rowSums(p) - 1))
    if (worst > 1e-6) {
      return(sprintf("predict() returned probabilities whose rows do not sum to 1 (off by up to %.3g)", worst))
    }
    return(NULL)
  }
  one_column <- is.atomic(answer) && (is.null(dim(answer)) || prod(dim(answer)) == length(answer) &&
                                        sum(dim(answer) > 1) <= 1)
  expected <- switch(type, class = "one label per row (a factor or character vector)",
                     "one number per row (a numeric vector)")
  if (!one_column || (type == "class") != (is.factor(answer) || is.character(answer))) {
    return(sprintf("predict() returned %s; expected %s for output type %s: pass predict_args or predict = (see models/README.md)",
                   .describe_answer(answer), expected, type))
  }
  if (length(answer) != n) return(sprintf("predict() returned %d values for %d rows", length(answer), n))
  if (type == "probability" && any(!is.na(answer) & (answer < 0 | answer > 1))) {
    return("predict() returned values outside [0, 1] for output type probability")
  }
  NULL
}

# A checked answer as the handler returns it: one label or double per row, or each row's probabilities in labels order.
.answer_values <- function(answer, type, labels) {
  if (type == "probabilities") return(as.vector(t(as.matrix(answer)[, labels, drop = FALSE]), "double"))
  if (is.factor(answer) || is.character(answer)) return(as.vector(as.character(answer)))
  as.vector(answer, "double")
}
