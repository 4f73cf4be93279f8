# Writes a fitted model as <dir>/model.rds + <dir>/model.json (the serving contract, models/model.schema.json).
# Usage from a models/<name>/train.R (run from the repository root):
#   source("models/model_json.R")
#   write_model(fit, data, name = "admission", output = list(type = "probability", threshold = 0.5,
#               labels = c("rejected", "admitted")), predict_args = list(type = "response"))

suppressPackageStartupMessages(library(jsonlite))

# Packages that ship with every R (priority "base") are always present where R is; r_packages lists the others.
.base_packages <- rownames(installed.packages(priority = "base"))

# The package that defines predict() for this object, for each class that has a method.
.predict_packages <- function(fit) {
  pkgs <- character(0)
  for (cls in class(fit)) {
    method <- utils::getS3method("predict", cls, optional = TRUE)
    if (!is.null(method)) pkgs <- c(pkgs, environmentName(environment(method)))
  }
  unique(pkgs[nzchar(pkgs)])
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
    desc <- utils::packageDescription(pkg, fields = c("Depends", "Imports"))
    deps <- unlist(strsplit(paste(na.omit(unlist(desc)), collapse = ","), ","))
    deps <- trimws(sub("\\(.*", "", deps))
    todo <- c(todo, setdiff(deps[nzchar(deps) & deps != "R"], c(.base_packages, seen)))
  }
  sort(seen, method = "radix")
}

# lm/glm objects carry the training data several times over; predict(newdata=) needs none of it.
strip_for_predict <- function(fit) {
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

write_model <- function(fit, data, name, output, predict_args = list(), example = NULL, packages = NULL,
                        strip = strip_for_predict,
                        dir = Sys.getenv("MODEL_OUTPUT_DIR", file.path("build", "models", name))) {
  stopifnot(is.character(name), grepl("^[a-z0-9][a-z0-9_-]*$", name), is.data.frame(data))
  stopifnot(output$type %in% c("probability", "class", "number"))
  model_terms <- stats::terms(fit)
  input_names <- all.vars(stats::delete.response(model_terms))
  missing <- setdiff(input_names, names(data))
  if (length(missing) > 0) stop("inputs missing from the training data: ", paste(missing, collapse = ", "))
  if (is.null(output$name)) output$name <- all.vars(model_terms)[[1]]
  if (!is.null(output$labels)) output$labels <- I(output$labels)

  served <- if (is.null(strip)) fit else strip(fit)
  # The stripped object must predict exactly what the fitted one does, or it is not the same model.
  reference <- do.call(stats::predict, c(list(fit, newdata = data), predict_args))
  check <- do.call(stats::predict, c(list(served, newdata = data), predict_args))
  if (!identical(unname(reference), unname(check))) stop("the stripped model predicts differently: pass strip = NULL")

  if (is.null(example)) example <- lapply(data[1, input_names, drop = FALSE], .example_value)
  example <- example[input_names]
  inputs <- lapply(input_names, function(n) c(.input_spec(data[[n]], n), list(example = example[[n]])))

  pkgs <- .runtime_dependencies(unique(c(.predict_packages(fit), packages)))
  r_packages <- .as_object(lapply(setNames(pkgs, pkgs), function(p) utils::packageDescription(p)$Version))

  dir.create(dir, recursive = TRUE, showWarnings = FALSE)
  rds_path <- file.path(dir, "model.rds")
  # Version 3 + gzip of identical objects gives identical bytes; environments were stripped above.
  saveRDS(served, rds_path, version = 3, compress = "gzip")
  rds_sha256 <- .sha256(rds_path)

  description <- list(
    name = name,
    task = if (output$type == "number") "regression" else "classification",
    r_version = paste(R.version$major, R.version$minor, sep = "."),
    r_packages = r_packages,
    inputs = inputs,
    output = output,
    predict_args = .as_object(predict_args),
    rds_sha256 = rds_sha256
  )
  # The version names the content (model bytes + contract), not the moment it was trained.
  version <- substr(.sha256_text(.to_json(description)), 1, 12)
  model_json <- c(list(name = name, version = version), description[-1], list(trained_at = .trained_at()))
  model_json <- model_json[c("name", "version", "task", "r_version", "r_packages", "inputs", "output",
                             "predict_args", "trained_at", "rds_sha256")]
  writeLines(.to_json(model_json), file.path(dir, "model.json"), useBytes = TRUE)
  message(sprintf("%s: version %s, model.rds %d bytes -> %s", name, version, file.size(rds_path), dir))
  invisible(model_json)
}
