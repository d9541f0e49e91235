// The runtime module: backends and the controller loop.
