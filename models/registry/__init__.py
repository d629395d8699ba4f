"""Models and their versions: the operations that change them, their reads, comparison and statistics."""
