"""Design audit: statistical coherence, Monte Carlo uncertainty and Sobol sensitivity of ranks and stars."""
