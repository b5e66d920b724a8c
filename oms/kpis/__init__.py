"""Omnichannel KPIs: the rules shared with the replay (`rules`), and the live figures computed
from the database through a port (`ports`, `service`)."""
