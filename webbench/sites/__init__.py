"""Local site processes for live suites: start on demand, health-check, reset, stop with nothing left."""
