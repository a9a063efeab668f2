"""When cards come back: FSRS in learner days, fuzz, load balancing, the optimizer, plans, simulation."""
