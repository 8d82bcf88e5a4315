"""Helpers the tests share (importable: pytest puts tests/ on the path)."""


def stored(container, collection):
    """A service container's own collection, read directly to prove what was written."""
    store = next(d for d in container.dependencies if d.attr_name == "store")
    return store.db[collection]
