"""Labs: the curriculum's afternoon projects, graded by what the learner's model achieves.

A lab lives in a folder (built-in ones under ``files/<lab-id>/``; a learner's own next to its deck
file) holding ``lab.toml`` (day, goal, time estimate, limits, data set, runs and requirements),
``starter/`` (what ``srs lab start`` copies into ``$SRS_HOME/labs/<id>/``) and ``reference/`` (a
solution that passes). The learner's ``train.py`` defines ``build``, ``train_epoch`` and
``predict`` (and, where a lab asks, ``feature_maps`` or ``residual_probe``); a trusted checker
drives the training loop over the exercise sandbox's channel, so held-out labels never enter the
learner's process.
"""

from __future__ import annotations
