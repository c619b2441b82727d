"""One module per benchmark scenario; each has ``run(scale, results_dir) -> Result``."""
