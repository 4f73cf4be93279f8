# A synthetic stand-in for UCLA's binary.csv (400 applicants), seeded so every run gives the same rows.
# Matched: row count, rank counts 61/151/121/67 exactly, admitted 127 of 400 (0.3175) exactly,
# gre in steps of 20 within 220-800 (mean near 588), gpa with 2 decimals within 2.26-4.00 (mean near 3.39).
synthetic_admissions <- function(seed = 2017L) {
  set.seed(seed, kind = "Mersenne-Twister", normal.kind = "Inversion", sample.kind = "Rejection")
  n <- 400L
  rank <- sample(rep(1:4, times = c(61L, 151L, 121L, 67L)))
  gre <- pmin(800, pmax(220, round(rnorm(n, mean = 588, sd = 115) / 20) * 20))
  gpa <- pmin(4, pmax(2.26, round(rnorm(n, mean = 3.39, sd = 0.38), 2)))
  # The published extremes occur in the original; make sure they occur here too.
  gre[which.min(gre)] <- 220
  gre[which.max(gre)] <- 800
  gpa[which.min(gpa)] <- 2.26
  gpa[which.max(gpa)] <- 4
  # Latent-utility admission with the coefficients UCLA's own glm reports; the 127 highest are admitted.
  utility <- -3.99 + 0.002264 * gre + 0.804 * gpa + c(0, -0.675, -1.340, -1.551)[rank] + rlogis(n)
  admit <- as.integer(rank(-utility, ties.method = "first") <= 127L)
  data.frame(admit = admit, gre = gre, gpa = gpa, rank = factor(rank, levels = 1:4))
}
