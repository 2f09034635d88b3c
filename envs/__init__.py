"""Offline stand-ins for WebArena's sites (shop and admin, forum, code hosting); see envs/README.md."""
