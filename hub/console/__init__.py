"""The fleet console: server-rendered pages for regional admins at `/console` (docs/fleet.md).

`config` (what a hub's console is given), `passwords` (admins' password hashes), `sessions`
(login sessions, CSRF tokens, login throttling), `text` (the three languages, local time),
`pages` (the router and its templates), `webhook` (alerts POSTed to a configured URL).
"""
