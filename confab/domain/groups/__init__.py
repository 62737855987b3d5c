"""Groups (issue 12): the five types, their members, roles, mutes, bans, custom data, attributes and counters.

Modules: `types` (the per-type rules, the only place that names a type), `ids`, `model` (rows to
records, loading, locking), `fields` (AppDefinedData), `notices` (events, tips and feed entries),
then one module per job: `lifecycle`, `members`, `listing`, `mutes`, `bans`, `attrs`, `counters`,
`joining` (the user side).
"""
