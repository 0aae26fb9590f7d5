"""Every patch of another library's internals, declared in one place."""
