# The built-in predict adapters and the user's own predict function, made portable; sourced by model_json.R.
# An adapter turns a class whose predict() does not answer one value per row (or every class's probability) into a
# function(model, newdata) that does; models/README.md lists them.

# Built-in adapters: for a class whose predict() does not answer one value per row (or every class's probability),
# the expression that does, in terms of `model` and `newdata`, with predict_args and constants inlined.
# `matrix = TRUE`: the expression gives one probability column per class (named), turned into the output below.
.predict_call <- function(defaults, predict_args) {
  args <- utils::modifyList(defaults, predict_args)
  as.call(c(list(quote(predict), quote(model)), args))
}

.first_slice <- function(expr) bquote({
  p <- .(expr)
  if (length(dim(p)) == 3) matrix(p, nrow = dim(p)[1], dimnames = dimnames(p)[1:2]) else p
})

.probability_types <- c("probabilities", "probability")

.adapters <- list(
  ranger = function(fit, output, args) {
    list(expr = bquote(.(.predict_call(list(data = quote(newdata)), args))$predictions),
         matrix = identical(fit$treetype, "Probability estimation"))
  },
  gbm = function(fit, output, args) {
    defaults <- list(newdata = quote(newdata), n.trees = fit$n.trees, type = "response")
    multinomial <- identical(fit$distribution$name, "multinomial")
    list(expr = .first_slice(.predict_call(defaults, args)), matrix = multinomial)
  },
  lda = function(fit, output, args) {
    field <- if (output$type == "class") "class" else "posterior"
    list(expr = bquote(.(.predict_call(list(newdata = quote(newdata)), args))[[.(field)]]), matrix = field == "posterior")
  },
  svm = function(fit, output, args) {
    if (!output$type %in% .probability_types) return(NULL)
    if (!isTRUE(fit$compprob)) {
      stop("write_model: this svm gives no probabilities: refit it with svm(..., probability = TRUE)", call. = FALSE)
    }
    call <- .predict_call(list(newdata = quote(newdata), probability = TRUE), args)
    list(expr = bquote(attr(.(call), "probabilities")), matrix = TRUE)
  },
  glmnet = function(fit, output, args) {
    if (!inherits(fit, "cv.glmnet") && is.null(args$s)) {
      stop("write_model: a glmnet model predicts for every lambda: pass predict_args = list(s = <lambda>) ",
           "(e.g. cv.glmnet's lambda.min)", call. = FALSE)
    }
    type <- if (output$type == "class") "class" else "response"
    call <- .predict_call(list(newx = quote(as.matrix(newdata)), type = type), args)
    if (output$type == "probabilities") return(list(expr = .first_slice(call), matrix = TRUE))
    list(expr = bquote(.(call)[, 1]), matrix = FALSE)
  },
  train = function(fit, output, args) {  # caret
    if (!output$type %in% .probability_types) return(NULL)
    list(expr = .predict_call(list(newdata = quote(newdata), type = "prob"), args), matrix = TRUE)
  },
  rpart = function(fit, output, args) {
    if (!output$type %in% .probability_types) return(NULL)
    list(expr = .predict_call(list(newdata = quote(newdata), type = "prob"), args), matrix = TRUE)
  },
  multinom = function(fit, output, args) {
    if (!output$type %in% .probability_types) return(NULL)
    call <- .predict_call(list(newdata = quote(newdata), type = "probs"), args)
    lev <- fit$lev
    # predict.multinom answers P(second class) for two classes and drops a single row to a vector.
    expr <- if (length(lev) == 2) bquote(cbind(1 - .(call), .(call))) else call
    list(expr = bquote(matrix(.(expr), ncol = .(length(lev)), dimnames = list(NULL, .(lev)))), matrix = TRUE)
  },
  ksvm = function(fit, output, args) {  # kernlab (an S4 predict method)
    if (!output$type %in% .probability_types) return(NULL)
    list(expr = .predict_call(list(quote(newdata), type = "probabilities"), args), matrix = TRUE)
  }
)
.adapters$cv.glmnet <- .adapters$glmnet
.adapters$qda <- .adapters$lda

# A probability matrix answers the output type asked for: all of it, the positive class's column, or the label.
.from_probabilities <- function(expr, output) {
  switch(output$type,
    probabilities = expr,
    probability = bquote(.(expr)[, .(output$labels[[2]])]),
    class = bquote({
      p <- .(expr)
      colnames(p)[max.col(p, ties.method = "first")]
    }),
    stop("write_model: this model answers class probabilities: use output type probabilities, probability or class",
         call. = FALSE)
  )
}

# The adapter for the object's first class that has one (and needs one for this output type), or NULL.
.adapter_for <- function(fit, output, predict_args) {
  for (cls in class(fit)) {
    make <- .adapters[[cls]]
    if (is.null(make)) next
    adapter <- make(fit, output, predict_args)
    if (is.null(adapter)) return(NULL)
    expr <- if (adapter$matrix) .from_probabilities(adapter$expr, output) else adapter$expr
    fn <- eval(call("function", as.pairlist(alist(model = , newdata = )), expr), globalenv())
    return(list(name = cls, fn = fn))
  }
  NULL
}

# The user's predict function made portable: no source references, and its environment reset to the global one,
# or to a small one holding the session values it reads (functions from the session cannot travel: say so).
.portable_function <- function(fn) {
  if (!is.function(fn) || !identical(names(formals(fn))[1:2], c("model", "newdata"))) {
    stop("write_model: predict must be a function(model, newdata)", call. = FALSE)
  }
  fn <- utils::removeSource(fn)
  captured <- list()
  for (n in sort(codetools::findGlobals(fn, merge = TRUE), method = "radix")) {
    env <- environment(fn)
    while (!identical(env, emptyenv()) && !exists(n, envir = env, inherits = FALSE)) env <- parent.env(env)
    if (identical(env, emptyenv()) || isNamespace(env) || identical(env, baseenv()) ||
        startsWith(environmentName(env), "package:")) next
    value <- get(n, envir = env, inherits = FALSE)
    if (is.function(value)) {
      stop(sprintf("write_model: predict calls %s(), a function of your session that the served model cannot take along: write its body into predict", n), call. = FALSE)
    }
    captured[[n]] <- value
  }
  environment(fn) <- if (length(captured)) list2env(captured, parent = globalenv()) else globalenv()
  fn
}
