"""All quiz generators: importing this module registers them (it imports no numpy itself).

The generators live in topic modules; each is a function ``make(draw) -> Generated`` whose docstring
lists its parameters. Their names are fixed: the deck files refer to them.
"""

from __future__ import annotations

from srs.quiz import gen_basics, gen_cnn, gen_optim, gen_recipes, gen_training
from srs.quiz.base import REGISTRY

__all__ = ["REGISTRY", "gen_basics", "gen_cnn", "gen_optim", "gen_recipes", "gen_training"]
