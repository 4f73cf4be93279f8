# Writes a fitted model as <dir>/model.rds + <dir>/model.json (the serving contract, models/model.schema.json).
# Usage from a models/<name>/train.R (run from the repository root):
#   source("models/model_json.R")
#   write_model(fit, data, name = "admission", output = list(type = "probability", threshold = 0.5,
#               labels = c("rejected", "admitted")), predict_args = list(type = "response"))
# Models without terms() or whose predict() does not answer one value per row: see models/README.md
# (`inputs =`, `predict =`, the built-in adapters).

suppressPackageStartupMessages(library(jsonlite))

# Packages that ship with every R (priority "base") are always present where R is; r_packages lists the others.
.base_packages <- rownames(installed.packages(priority = "base"))

# The packages that define predict() for this object: S3 methods of each class (wherever registered), an S4 method
# and the S4 class's package, and what caret records its final model needs.
.predict_packages <- function(fit) {
  pkgs <- character(0)
  for (cls in class(fit)) {
    method <- utils::getS3method("predict", cls, optional = TRUE)
    if (!is.null(method)) pkgs <- c(pkgs, environmentName(environment(method)))
  }
  if (isS4(fit)) {
    method <- methods::selectMethod("predict", class(fit), optional = TRUE)
    if (!is.null(method)) pkgs <- c(pkgs, environmentName(environment(method)))
    pkgs <- c(pkgs, attr(class(fit), "package"))
  } else if (inherits(fit, "train") && is.list(fit$modelInfo)) {
    pkgs <- c(pkgs, fit$modelInfo$library)
  }
  unique(pkgs[nzchar(pkgs)])
}

# The packages a predict function calls: `pkg::f` and free functions that live in a package namespace.
.function_packages <- function(fn) {
  pkgs <- character(0)
  walk <- function(e) {
    if (is.call(e)) {
      if (identical(e[[1]], as.name("::")) || identical(e[[1]], as.name(":::"))) {
        pkgs <<- c(pkgs, as.character(e[[2]]))
      } else {
        for (part in as.list(e)) if (!missing(part)) walk(part)
      }
    }
  }
  walk(body(fn))
  for (n in codetools::findGlobals(fn, merge = FALSE)$functions) {
    f <- get0(n, envir = environment(fn), mode = "function")
    if (!is.null(f) && !is.primitive(f)) pkgs <- c(pkgs, environmentName(environment(f)))
  }
  unique(pkgs[nzchar(pkgs) & pkgs != "R_GlobalEnv"])
}

.require_installed <- function(pkgs, why) {
  for (pkg in pkgs) {
    if (!nzchar(system.file(package = pkg))) {
      stop(sprintf("write_model: R package '%s' (%s) is not installed: install it (apt-get install r-cran-%s, or install.packages(\"%s\")) and rerun",
                   pkg, why, tolower(pkg), pkg), call. = FALSE)
    }
  }
}

# Non-base packages needed to load `pkgs`: themselves plus their Depends/Imports, recursively.
.runtime_dependencies <- function(pkgs) {
  seen <- character(0)
  todo <- setdiff(pkgs, .base_packages)
  while (length(todo) > 0) {
    pkg <- todo[[1]]
    todo <- todo[-1]
    if (pkg %in% seen) next
    seen <- c(seen, pkg)
    .require_installed(pkg, "needed to load the model")
    desc <- utils::packageDescription(pkg, fields = c("Depends", "Imports"))
    deps <- unlist(strsplit(paste(na.omit(unlist(desc)), collapse = ","), ","))
    deps <- trimws(sub("\\(.*", "", deps))
    todo <- c(todo, setdiff(deps[nzchar(deps) & deps != "R"], c(.base_packages, seen)))
  }
  sort(seen, method = "radix")
}

# lm/glm objects carry the training data several times over; predict(newdata=) needs none of it.
strip_for_predict <- function(fit) {
  if (isS4(fit)) return(fit)
  if (inherits(fit, "gbm")) fit$data <- NULL  # gbm's copy of the training data (keep.data = TRUE)
  if (inherits(fit, "lm")) {
    for (field in c("data", "model", "y", "residuals", "fitted.values", "effects", "weights",
                    "prior.weights", "linear.predictors", "offset")) {
      fit[[field]] <- NULL
    }
    fit$qr$qr <- NULL  # predict.lm reads only qr$pivot and the rank
  }
  # A formula keeps the environment it was made in (often holding the data): predict() only needs globals.
  if (!is.null(fit$terms)) attr(fit$terms, ".Environment") <- globalenv()
  if (!is.null(fit$formula) && inherits(fit$formula, "formula")) environment(fit$formula) <- globalenv()
  fit
}

.input_spec <- function(column, name) {
  spec <- list(name = name)
  if (is.factor(column)) {
    spec$type <- "factor"
    spec$levels <- I(levels(column))
  } else if (is.logical(column)) {
    spec$type <- "logical"
  } else if (is.integer(column)) {
    spec$type <- "integer"
  } else if (is.numeric(column)) {
    spec$type <- "numeric"
  } else {
    stop(sprintf("input column '%s' is %s: convert it to a factor, numeric, integer or logical before fitting",
                 name, class(column)[1]), call. = FALSE)
  }
  if (spec$type %in% c("numeric", "integer")) {
    spec$min <- min(column, na.rm = TRUE)
    spec$max <- max(column, na.rm = TRUE)
  }
  spec
}

.example_value <- function(value) if (is.factor(value)) as.character(value) else value

.sha256 <- function(path) {
  out <- system2("sha256sum", shQuote(path), stdout = TRUE)
  sub(" .*", "", out[[1]])
}

.sha256_text <- function(text) {
  path <- tempfile()
  on.exit(unlink(path))
  writeLines(text, path, useBytes = TRUE)
  .sha256(path)
}

# SOURCE_DATE_EPOCH (reproducible builds) makes trained_at, and so the files, identical on every rebuild.
.trained_at <- function() {
  epoch <- Sys.getenv("SOURCE_DATE_EPOCH")
  time <- if (nzchar(epoch)) as.POSIXct(as.numeric(epoch), origin = "1970-01-01", tz = "UTC") else Sys.time()
  format(time, "%Y-%m-%dT%H:%M:%SZ", tz = "UTC")
}

.to_json <- function(x) toJSON(x, auto_unbox = TRUE, pretty = TRUE, digits = NA, null = "null")

.as_object <- function(x) if (length(x) == 0) setNames(list(), character(0)) else as.list(x)

# The model's terms, if it has them (formula interfaces; S4 classes such as kernlab's keep them in a slot).
.model_terms <- function(fit) {
  if (isS4(fit)) {
    if ("terms" %in% methods::slotNames(fit) && inherits(methods::slot(fit, "terms"), "formula")) return(fit@terms)
    return(NULL)
  }
  tryCatch(stats::terms(fit), error = function(e) NULL)
}

# Input names from terms(), else from what common classes record; NULL when the object does not tell.
.model_inputs <- function(fit) {
  model_terms <- .model_terms(fit)
  if (!is.null(model_terms)) return(all.vars(stats::delete.response(model_terms)))
  if (isS4(fit)) return(NULL)
  recorded <- fit$forest$independent.variable.names %||% fit$var.names %||% fit$coefnames %||%
    fit$finalModel$xNames %||% fit$xNames
  if (is.character(recorded) && length(recorded) > 0) recorded else NULL
}

# The response's name from terms(), else from what common classes record (ranger keeps its call's formula).
.model_response <- function(fit) {
  model_terms <- .model_terms(fit)
  if (!is.null(model_terms) && attr(model_terms, "response") > 0) return(all.vars(model_terms)[[1]])
  if (isS4(fit)) return(NULL)
  if (is.character(fit$response.name) && length(fit$response.name) == 1) return(fit$response.name)
  if (is.character(fit$dependent.variable.name) && length(fit$dependent.variable.name) == 1 &&
      nzchar(fit$dependent.variable.name)) return(fit$dependent.variable.name)
  # A two-sided formula written into the call, e.g. ranger(Species ~ ., iris).
  for (arg in if (is.call(fit$call)) as.list(fit$call)[-1] else list()) {
    if (is.call(arg) && identical(arg[[1]], as.name("~")) && length(arg) == 3) return(all.vars(arg[[2]])[[1]])
  }
  NULL
}

`%||%` <- function(a, b) if (is.null(a)) b else a

# The adapters live beside this file, the answer check in lambda/ (sourced from the repository root, or from wherever this file is).
local({
  here <- "models"
  for (i in rev(seq_len(sys.nframe()))) {
    if (!is.null(sys.frame(i)$ofile)) {
      here <- dirname(sys.frame(i)$ofile)
      break
    }
  }
  for (file in c("predict_adapters.R", "baseline.R")) {
    sys.source(file.path(here, file), envir = globalenv(), keep.source = FALSE)
  }
  # The check of predict()'s answer that the handler also runs (one definition for training and serving).
  sys.source(file.path(here, "..", "lambda", "predict_answer.R"), envir = globalenv(), keep.source = FALSE)
})

.check_output <- function(output) {
  types <- c("probability", "class", "number", "probabilities")
  if (!is.list(output) || !isTRUE(output$type %in% types)) {
    stop(sprintf("write_model: output$type must be one of %s", paste(types, collapse = ", ")), call. = FALSE)
  }
  if (output$type == "probabilities" && (length(output$labels) < 2 || anyDuplicated(output$labels))) {
    stop("write_model: output type probabilities needs labels = the classes (at least 2, distinct)", call. = FALSE)
  }
}

write_model <- function(fit, data, name, output, predict_args = list(), example = NULL, packages = NULL,
                        strip = strip_for_predict, inputs = NULL, predict = NULL,
                        dir = Sys.getenv("MODEL_OUTPUT_DIR", file.path("build", "models", name))) {
  stopifnot(is.character(name), grepl("^[a-z0-9][a-z0-9_-]*$", name), is.data.frame(data))
  .check_output(output)
  .require_installed(packages, "named in packages =")
  cls <- class(fit)[[1]]
  input_names <- inputs %||% .model_inputs(fit)
  if (is.null(input_names)) {
    stop(sprintf("write_model: cannot tell the inputs of a model of class %s: pass inputs = c(...) (column names of data)", cls),
         call. = FALSE)
  }
  missing <- setdiff(input_names, names(data))
  if (length(missing) > 0) {
    stop("write_model: inputs missing from the training data: ", paste(missing, collapse = ", "),
         ": pass inputs = c(...) naming columns of data", call. = FALSE)
  }
  if (is.null(output$name)) output$name <- .model_response(fit)
  if (is.null(output$name)) {
    stop(sprintf("write_model: cannot tell the output's name of a model of class %s: pass output = list(name = \"...\", ...)", cls),
         call. = FALSE)
  }
  if (!is.null(output$labels)) output$labels <- I(output$labels)

  served <- if (is.null(strip)) fit else strip(fit)
  if (!is.null(predict) && length(predict_args) > 0) {
    stop("write_model: predict_args are for predict(); with predict = put the arguments inside your function", call. = FALSE)
  }
  adapter <- if (is.null(predict)) .adapter_for(fit, output, predict_args) else NULL
  fn <- if (!is.null(predict)) predict else adapter$fn
  predict_kind <- if (!is.null(predict)) "function" else if (!is.null(adapter)) paste0("adapter:", adapter$name) else "predict()"
  newdata <- data[, input_names, drop = FALSE]
  answer <- function(model, f) {
    tryCatch(
      if (is.null(f)) do.call(stats::predict, c(list(model, newdata = data), predict_args)) else f(model, newdata),
      error = function(e) stop(sprintf("write_model: predict failed on the training data: %s",
                                       gsub("\n", " ", conditionMessage(e))), call. = FALSE)
    )
  }
  reference <- answer(fit, fn)
  problem <- .answer_problem(reference, output$type, unlist(output$labels), nrow(data))
  if (!is.null(problem)) stop("write_model: ", problem, call. = FALSE)
  saved_fn <- if (!is.null(predict)) .portable_function(predict) else fn
  # The stripped object (and the saved predict function) must predict exactly what the fitted one does.
  if (!identical(unname(reference), unname(answer(served, saved_fn)))) {
    stop("write_model: the stripped model predicts differently: pass strip = NULL", call. = FALSE)
  }
  saved <- if (is.null(fn)) served else structure(list(model = served, predict = saved_fn), class = "served_model")

  if (is.null(example)) example <- lapply(data[1, input_names, drop = FALSE], .example_value)
  example <- example[input_names]
  input_specs <- lapply(input_names, function(n) c(.input_spec(data[[n]], n), list(example = example[[n]])))

  used <- c(.predict_packages(fit), if (!is.null(saved_fn)) .function_packages(saved_fn), packages)
  pkgs <- .runtime_dependencies(unique(used))
  r_packages <- .as_object(lapply(setNames(pkgs, pkgs), function(p) utils::packageDescription(p)$Version))

  dir.create(dir, recursive = TRUE, showWarnings = FALSE)
  rds_path <- file.path(dir, "model.rds")
  # Version 3 + gzip of identical objects gives identical bytes; environments were stripped above.
  saveRDS(saved, rds_path, version = 3, compress = "gzip")
  rds_sha256 <- .sha256(rds_path)

  description <- list(
    name = name,
    task = if (output$type == "number") "regression" else "classification",
    r_version = paste(R.version$major, R.version$minor, sep = "."),
    r_packages = r_packages,
    inputs = input_specs,
    output = output,
    predict_args = .as_object(predict_args),
    predict = predict_kind,
    rds_sha256 = rds_sha256
  )
  # The version names the content (model bytes + contract), not the moment it was trained. Plain predict() is
  # left out of it so that models written before the field existed keep their versions.
  hashed <- if (predict_kind == "predict()") description[names(description) != "predict"] else description
  version <- substr(.sha256_text(.to_json(hashed)), 1, 12)
  # The monitoring baseline describes the training data, not the served model: outside the hash, so models
  # written before it keep their versions.
  baseline <- training_baseline(data, input_names, reference, output)
  model_json <- c(list(name = name, version = version), description[-1],
                  list(trained_at = .trained_at(), baseline = baseline))
  model_json <- model_json[c("name", "version", "task", "r_version", "r_packages", "inputs", "output",
                             "predict_args", "predict", "trained_at", "rds_sha256", "baseline")]
  writeLines(.to_json(model_json), file.path(dir, "model.json"), useBytes = TRUE)
  message(sprintf("%s: version %s, model.rds %d bytes -> %s", name, version, file.size(rds_path), dir))
  invisible(model_json)
}
