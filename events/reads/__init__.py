"""Reads: the facts of matches, groups and tables, as JSON-ready dicts; data only, no markup.

The live protocol (live/messages.py), the API and the pages all start from these, so a fan's page,
a replayed change and a third-party client see the same facts.

- shapes.py     one team, player, event or match as a dict (its state, its summary, the VAR check under way)
- matches.py    the queries behind match pages and lists: one match as it stands, its events, its lineups
- changelog.py  the change log read back: the changes after seq N, or None when a snapshot is needed
- groups.py     competitions and groups: a group as it stands, one matchday's matches side by side
- tables.py     group tables (as they stand or with hypothetical scores) and the scenarios, cached per state
- history.py    the public record of corrections: who (by role) changed what, when and why, in prose
"""
