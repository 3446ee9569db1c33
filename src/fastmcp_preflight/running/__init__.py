"""Running a lint: config, discovery, scheduling, the cache, the engine, fixes, baselines."""
