"""The advisor directory: posts and advisors, files, post resolution, matching."""
