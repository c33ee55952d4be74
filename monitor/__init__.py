"""The monitor: decide what to tell people (digests, diffs) and when (the scheduler)."""
