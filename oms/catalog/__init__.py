"""The network and the catalog as ops manage them: nodes, SKUs, and stock administration.

Its own context because a node is checked by the promise's calendar rule before it is written,
and inventory must not depend on promise (promise reads inventory's model)."""
